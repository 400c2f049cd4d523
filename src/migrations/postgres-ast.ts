/** Reading libpg-query's AST: a tree of single-key objects ({ AlterTableStmt: {...} }), read loosely. */
import type { ConstraintKind, LockLevel, Statement } from './types.js';

export type Node = Record<string, unknown>;
export const obj = (v: unknown): Node => (v !== null && typeof v === 'object' ? (v as Node) : {});
export const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const LOCK_ORDER: LockLevel[] = [null, 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'ACCESS EXCLUSIVE'];

export function lockOn(s: Statement, lock: LockLevel, table: string): void {
  if (LOCK_ORDER.indexOf(lock) > LOCK_ORDER.indexOf(s.lock)) s.lock = lock;
  if (!s.lockedTables.includes(table)) s.lockedTables.push(table);
}

export function relName(v: unknown): string {
  const r = obj(v);
  const schema = str(r.schemaname);
  return schema ? `${schema}.${str(r.relname)}` : str(r.relname);
}

export function typeName(v: unknown): string {
  const names = list(obj(v).names).map((x) => str(obj(x.String).sval)).filter((x) => x !== 'pg_catalog');
  return names.join('.');
}

export function constraintKind(contype: string): ConstraintKind {
  switch (contype) {
    case 'CONSTR_UNIQUE': return 'unique';
    case 'CONSTR_PRIMARY': return 'primaryKey';
    case 'CONSTR_FOREIGN': return 'foreignKey';
    case 'CONSTR_CHECK': return 'check';
    case 'CONSTR_EXCLUSION': return 'exclusion';
    default: return 'other';
  }
}

export function isZero(arg: Node | undefined): boolean {
  const c = obj(arg?.A_Const);
  if ('ival' in c) return Number(obj(c.ival).ival ?? 0) === 0;
  if ('sval' in c) return /^\s*0\s*(ms|s|min|h|d)?\s*$/.test(str(obj(c.sval).sval));
  return false;
}
