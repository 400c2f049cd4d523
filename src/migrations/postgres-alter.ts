/** PostgreSQL's ALTER TABLE subcommands → schema changes, with the lock each takes. */
import { constraintKind, list, lockOn, obj, relName, str, typeName, type Node } from './postgres-ast.js';
import type { LockLevel, SchemaChange, Statement } from './types.js';

/**
 * Functions whose value PostgreSQL evaluates once for `ADD COLUMN ... DEFAULT f()` (stable or
 * immutable), so the default is stored in the catalog and the table is not rewritten (PG 11+).
 * Any other function call is treated as volatile: we cannot know a user function's volatility.
 */
const NON_VOLATILE_FUNCTIONS = new Set([
  'now', 'current_timestamp', 'current_date', 'transaction_timestamp', 'statement_timestamp', 'localtimestamp',
  'lower', 'upper', 'coalesce', 'concat', 'length', 'abs', 'round', 'to_jsonb', 'jsonb_build_object', 'json_build_object', 'array',
  'make_interval', 'make_date', 'to_timestamp', 'to_date', 'current_user', 'current_schema',
]);

const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial', 'serial2', 'serial4', 'serial8']);

export function alterTable(n: Node, s: Statement, toChar: (b: number) => number): void {
  const table = relName(n.relation);
  for (const c of list(n.cmds)) {
    const cmd = obj(c.AlterTableCmd);
    const subtype = str(cmd.subtype);
    const def = obj(cmd.def);
    lockOn(s, alterLock(subtype, def), table);
    switch (subtype) {
      case 'AT_AddColumn':
        addColumn(table, obj(def.ColumnDef), s, toChar);
        break;
      case 'AT_DropColumn':
        s.changes.push({ kind: 'dropColumn', table, column: str(cmd.name) });
        break;
      case 'AT_AlterColumnType':
        s.changes.push({ kind: 'changeColumnType', table, column: str(cmd.name), type: typeName(obj(def.ColumnDef).typeName) });
        break;
      case 'AT_SetNotNull':
        s.changes.push({ kind: 'setNotNull', table, column: str(cmd.name) });
        break;
      case 'AT_ColumnDefault':
        // ALTER COLUMN ... DROP DEFAULT has no expression; SET DEFAULT has one.
        if (cmd.def === undefined) s.changes.push({ kind: 'dropDefault', table, column: str(cmd.name) });
        break;
      case 'AT_AddConstraint': {
        const con = obj(def.Constraint);
        s.changes.push({
          kind: 'addConstraint', table, constraint: constraintKind(str(con.contype)),
          notValid: con.skip_validation === true, usingIndex: str(con.indexname) !== '',
        });
        if (typeof con.location === 'number') s.at ??= toChar(con.location);
        break;
      }
      default:
        break;
    }
  }
}

/** The lock an ALTER TABLE subcommand takes (PostgreSQL docs, ALTER TABLE: "Notes" per form). */
function alterLock(subtype: string, def: Node): LockLevel {
  switch (subtype) {
    case 'AT_ValidateConstraint':
    case 'AT_SetStatistics':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
      return 'SHARE UPDATE EXCLUSIVE';
    case 'AT_AddConstraint':
      return str(obj(def.Constraint).contype) === 'CONSTR_FOREIGN' ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    default:
      return 'ACCESS EXCLUSIVE';
  }
}

function addColumn(table: string, col: Node, s: Statement, toChar: (b: number) => number): void {
  const column = str(col.colname);
  const type = typeName(col.typeName);
  let notNull = false;
  let hasDefault = false;
  let generated = false;
  let volatileDefault: string | null = null;
  if (SERIAL_TYPES.has(type)) {
    hasDefault = true;
    volatileDefault = `${type} (nextval)`;
  }
  const more: SchemaChange[] = [];
  for (const c of list(col.constraints)) {
    const con = obj(c.Constraint);
    switch (str(con.contype)) {
      case 'CONSTR_NOTNULL':
        notNull = true;
        break;
      case 'CONSTR_DEFAULT':
        hasDefault = true;
        volatileDefault ??= volatileCall(con.raw_expr);
        break;
      case 'CONSTR_IDENTITY':
        // Filling an identity column for every existing row rewrites the table.
        hasDefault = true;
        volatileDefault ??= 'GENERATED AS IDENTITY';
        break;
      case 'CONSTR_GENERATED':
        generated = true;
        volatileDefault ??= 'GENERATED ALWAYS AS (...) STORED';
        break;
      case 'CONSTR_PRIMARY':
        notNull = true;
        more.push({ kind: 'addConstraint', table, constraint: 'primaryKey', notValid: false, usingIndex: false });
        break;
      case 'CONSTR_UNIQUE':
        more.push({ kind: 'addConstraint', table, constraint: 'unique', notValid: false, usingIndex: false });
        break;
      default:
        break;
    }
  }
  s.changes.push({ kind: 'addColumn', table, column, notNull, hasDefault, volatileDefault, generated }, ...more);
  if (typeof col.location === 'number') s.at ??= toChar(col.location);
}

/** The first function call in a default expression that PostgreSQL would evaluate per row. */
function volatileCall(expr: unknown): string | null {
  let found: string | null = null;
  const walk = (v: unknown): void => {
    if (found !== null || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) { v.forEach(walk); return; }
    const node = v as Node;
    if ('FuncCall' in node) {
      const names = list(obj(node.FuncCall).funcname).map((x) => str(obj(x.String).sval));
      const name = names[names.length - 1] ?? '';
      if (!NON_VOLATILE_FUNCTIONS.has(name)) { found = `${name}()`; return; }
    }
    Object.values(node).forEach(walk);
  };
  walk(expr);
  return found;
}

