/**
 * PostgreSQL through libpg-query: PostgreSQL's own grammar (the server's parser compiled to
 * WASM), so what parses here parses on the server and every statement is seen as it will run.
 * Its locations are UTF-8 byte offsets; they are mapped back to the file's characters.
 */
import { loadModule, parseSync } from 'libpg-query';
import { sqlErrorOffset, utf8OffsetMapper } from './offsets.js';
import type { Token } from './tokens.js';
import type { ConstraintKind, LockLevel, ParsedFile, SchemaChange, Statement } from './types.js';

/* The AST is a tree of single-key objects ({ AlterTableStmt: {...} }); these read it loosely. */
type Node = Record<string, unknown>;
const obj = (v: unknown): Node => (v !== null && typeof v === 'object' ? (v as Node) : {});
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

let loading: Promise<void> | null = null;

/** The WASM module loads once per process; after that, parsing is synchronous. */
export function loadPostgresParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

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

export async function parsePostgres(text: string, tokens: readonly Token[]): Promise<ParsedFile> {
  await loadPostgresParser();
  const toChar = utf8OffsetMapper(text);
  let result;
  try {
    result = parseSync(text);
  } catch (err) {
    return { statements: [], failure: { offset: toChar(sqlErrorOffset(err)), message: (err as Error).message } };
  }
  const firstTokenFrom = (offset: number): number => tokens.find((t) => t.kind !== 'comment' && t.start >= offset)?.start ?? offset;
  const statements: Statement[] = [];
  for (const raw of result.stmts ?? []) {
    const loc = toChar(raw.stmt_location ?? 0);
    const start = firstTokenFrom(loc);
    const end = raw.stmt_len ? toChar((raw.stmt_location ?? 0) + raw.stmt_len) : text.length;
    statements.push(normalise(obj(raw.stmt), start, end, toChar));
  }
  return { statements, failure: null };
}

function normalise(stmt: Node, start: number, end: number, toChar: (b: number) => number): Statement {
  const s: Statement = { start, end, changes: [], transaction: null, lockTimeout: null, lock: null, lockedTables: [] };
  const [kind, body] = Object.entries(stmt)[0] ?? ['', {}];
  const n = obj(body);
  switch (kind) {
    case 'TransactionStmt': {
      const k = str(n.kind);
      if (k === 'TRANS_STMT_BEGIN' || k === 'TRANS_STMT_START') s.transaction = 'begin';
      else if (k === 'TRANS_STMT_COMMIT' || k === 'TRANS_STMT_ROLLBACK') s.transaction = 'commit';
      break;
    }
    case 'VariableSetStmt':
      // SET, SET LOCAL, SET ... TO DEFAULT and RESET all arrive here.
      if (str(n.name) === 'lock_timeout') {
        const zero = str(n.kind) !== 'VAR_SET_VALUE' || isZero(list(n.args)[0]);
        s.lockTimeout = zero ? 'reset' : n.is_local === true ? 'setLocal' : 'set';
      }
      break;
    case 'CreateStmt':
      s.changes.push({ kind: 'createTable', table: relName(n.relation) });
      break;
    case 'AlterTableStmt':
      if (str(n.objtype) === 'OBJECT_TABLE') alterTable(n, s, toChar);
      break;
    case 'RenameStmt':
      renameStmt(n, s);
      break;
    case 'DropStmt':
      dropStmt(n, s);
      break;
    case 'IndexStmt': {
      const table = relName(n.relation);
      s.changes.push({ kind: 'createIndex', table, concurrent: n.concurrent === true, unique: n.unique === true, online: n.concurrent === true });
      if (n.concurrent !== true) lockOn(s, 'SHARE', table);
      break;
    }
    case 'TruncateStmt': {
      const tables = list(n.relations).map((r) => relName(r.RangeVar));
      s.changes.push({ kind: 'truncate', tables });
      for (const t of tables) lockOn(s, 'ACCESS EXCLUSIVE', t);
      break;
    }
    default:
      break;
  }
  return s;
}

function alterTable(n: Node, s: Statement, toChar: (b: number) => number): void {
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

function renameStmt(n: Node, s: Statement): void {
  const table = relName(n.relation);
  switch (str(n.renameType)) {
    case 'OBJECT_COLUMN':
      s.changes.push({ kind: 'renameColumn', table, column: str(n.subname), to: str(n.newname) });
      lockOn(s, 'ACCESS EXCLUSIVE', table);
      break;
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
      s.changes.push({ kind: 'renameTable', table, to: str(n.newname) });
      lockOn(s, 'ACCESS EXCLUSIVE', table);
      break;
    case 'OBJECT_TABCONSTRAINT':
      lockOn(s, 'ACCESS EXCLUSIVE', table);
      break;
    default:
      break;
  }
}

function dropStmt(n: Node, s: Statement): void {
  const names = list(n.objects).map((o) => list(obj(o.List).items).map((i) => str(obj(i.String).sval)).join('.'));
  switch (str(n.removeType)) {
    case 'OBJECT_TABLE':
      for (const table of names) {
        s.changes.push({ kind: 'dropTable', table });
        lockOn(s, 'ACCESS EXCLUSIVE', table);
      }
      break;
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
      // The old version queries a view like a table.
      for (const view of names) s.changes.push({ kind: 'dropTable', table: view });
      break;
    case 'OBJECT_INDEX':
      s.changes.push({ kind: 'dropIndex', concurrent: n.concurrent === true });
      // DROP INDEX locks the index's table, whose name the statement does not say.
      if (n.concurrent !== true) lockOn(s, 'ACCESS EXCLUSIVE', `(table of index ${names.join(', ')})`);
      break;
    default:
      break;
  }
}

const LOCK_ORDER: LockLevel[] = [null, 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'ACCESS EXCLUSIVE'];

function lockOn(s: Statement, lock: LockLevel, table: string): void {
  if (LOCK_ORDER.indexOf(lock) > LOCK_ORDER.indexOf(s.lock)) s.lock = lock;
  if (!s.lockedTables.includes(table)) s.lockedTables.push(table);
}

function relName(v: unknown): string {
  const r = obj(v);
  const schema = str(r.schemaname);
  return schema ? `${schema}.${str(r.relname)}` : str(r.relname);
}

function typeName(v: unknown): string {
  const names = list(obj(v).names).map((x) => str(obj(x.String).sval)).filter((x) => x !== 'pg_catalog');
  return names.join('.');
}

function constraintKind(contype: string): ConstraintKind {
  switch (contype) {
    case 'CONSTR_UNIQUE': return 'unique';
    case 'CONSTR_PRIMARY': return 'primaryKey';
    case 'CONSTR_FOREIGN': return 'foreignKey';
    case 'CONSTR_CHECK': return 'check';
    case 'CONSTR_EXCLUSION': return 'exclusion';
    default: return 'other';
  }
}

function isZero(arg: Node | undefined): boolean {
  const c = obj(arg?.A_Const);
  if ('ival' in c) return Number(obj(c.ival).ival ?? 0) === 0;
  if ('sval' in c) return /^\s*0\s*(ms|s|min|h|d)?\s*$/.test(str(obj(c.sval).sval));
  return false;
}
