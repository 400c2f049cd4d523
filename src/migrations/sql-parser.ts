/**
 * MySQL, SQL Server and SQLite through node-sql-parser, a maintained multi-dialect grammar
 * (PEG) with one AST shape for all three, parsed one statement at a time so each keeps its
 * offset in the file. Constructs it cannot parse that migration tools emit are recognised from
 * their tokens in token-statements.ts; anything else is a parse error, never "safe".
 */
import nodeSqlParser from 'node-sql-parser';
import { isPunct, isWord, type TokenRun } from './split.js';
import { foreignKeyEnd } from './clauses.js';
import { fromTokens, tokenFallback } from './token-statements.js';
import type { Dialect, ParseFailure, SchemaChange, Statement } from './types.js';

const parser = new nodeSqlParser.Parser();
const DATABASE: Record<Exclude<Dialect, 'postgres'>, string> = { mysql: 'mysql', sqlserver: 'transactsql', sqlite: 'sqlite' };

type Node = Record<string, unknown>;
const obj = (v: unknown): Node => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function emptyStatement(start: number, end: number): Statement {
  return { start, end, changes: [], transaction: null, lockTimeout: null, lock: null, lockedTables: [] };
}

/** One statement's tokens → the model, or where and why it does not parse. */
export function parseStatement(text: string, r: TokenRun, dialect: Exclude<Dialect, 'postgres'>): Statement | ParseFailure {
  const early = fromTokens(text, r, dialect);
  if (early) return early;
  const sql = dialect === 'mysql' ? text.slice(r.start, r.end) : withoutBackslashes(text, r);
  let ast: unknown;
  try {
    ast = parser.astify(sql, { database: DATABASE[dialect] });
  } catch {
    const stripped = withoutForeignKeys(sql, r);
    if (stripped !== null) {
      try {
        ast = parser.astify(stripped, { database: DATABASE[dialect] });
      } catch {
        ast = undefined;
      }
    }
  }
  if (ast === undefined) {
    const late = tokenFallback(text, r, dialect);
    if (late) return late;
    return failureOf(sql, r, dialect);
  }
  const s = emptyStatement(r.start, r.end);
  for (const node of Array.isArray(ast) ? ast : [ast]) normalise(obj(node), s, dialect);
  return s;
}

/**
 * node-sql-parser's T-SQL and SQLite grammars take `\'` inside a string for an escape; neither
 * database does, so `N'C:\temp\'` would not parse. No rule reads a literal's text, so inside
 * string tokens a backslash becomes `_` (same length: offsets stay true) before parsing.
 */
function withoutBackslashes(text: string, r: TokenRun): string {
  let sql = text.slice(r.start, r.end);
  for (const t of r.tokens) {
    if (t.kind !== 'string' || !text.slice(t.start, t.end).includes('\\')) continue;
    const from = t.start - r.start;
    const to = t.end - r.start;
    sql = sql.slice(0, from) + sql.slice(from, to).replaceAll('\\', '_') + sql.slice(to);
  }
  return sql;
}

/** The parser's own error, re-run to report it (the first attempt may have been the stripped text). */
function failureOf(sql: string, r: TokenRun, dialect: Exclude<Dialect, 'postgres'>): ParseFailure {
  try {
    parser.astify(sql, { database: DATABASE[dialect] });
  } catch (err) {
    const e = err as Error & { location?: { start?: { offset?: number } } };
    return { offset: r.start + (e.location?.start?.offset ?? 0), message: firstLine(e.message) };
  }
  return { offset: r.start, message: 'statement not understood' };
}

/**
 * node-sql-parser's T-SQL grammar rejects every `FOREIGN KEY ... REFERENCES` clause, and its
 * MySQL one `ON DELETE CASCADE`, which EF Core and others emit for every relationship. Inside a
 * CREATE TABLE such a clause changes nothing a rule looks at (the table is new), so it is blanked
 * out (same length, so offsets stay true) and the statement parsed again by the grammar.
 */
function withoutForeignKeys(statement: string, r: TokenRun): string | null {
  const t = r.tokens;
  if (!isWord(t[0], 'CREATE') || !t.some((x) => isWord(x, 'REFERENCES'))) return null;
  let sql = statement;
  let changed = false;
  for (let i = 0; i < t.length; i++) {
    const isConstraint = isWord(t[i], 'CONSTRAINT') && isWord(t[i + 2], 'FOREIGN');
    if (!isConstraint && !isWord(t[i], 'FOREIGN')) continue;
    const end = foreignKeyEnd(t, isConstraint ? i + 2 : i);
    if (end === null) continue;
    const from = isPunct(t[i - 1], ',') ? t[i - 1]!.start - r.start : t[i]!.start - r.start;
    const to = t[end - 1]!.end - r.start;
    sql = sql.slice(0, from) + ' '.repeat(to - from) + sql.slice(to);
    changed = true;
    i = end - 1;
  }
  return changed ? sql : null;
}

function normalise(n: Node, s: Statement, dialect: Dialect): void {
  switch (str(n.type)) {
    case 'alter':
      alter(n, s, dialect);
      return;
    case 'rename':
      for (const pair of list(n.table)) {
        const [from, to] = pair as unknown as Node[];
        s.changes.push({ kind: 'renameTable', table: tableName(from), to: tableName(to) });
      }
      return;
    case 'drop':
      if (str(n.keyword) === 'table' || str(n.keyword) === 'view') for (const t of list(n.name)) s.changes.push({ kind: 'dropTable', table: tableName(t) });
      else if (str(n.keyword) === 'index') s.changes.push({ kind: 'dropIndex', concurrent: false });
      return;
    case 'truncate':
      s.changes.push({ kind: 'truncate', tables: list(n.name).map(tableName) });
      return;
    case 'create':
      if (str(n.keyword) === 'table') s.changes.push({ kind: 'createTable', table: tableName(list(n.table)[0]) });
      else if (str(n.keyword) === 'index') {
        const online = list(n.with).some((w) => str(w.type) === 'online' && /^on$/i.test(str(obj(w.expr).value)));
        s.changes.push({ kind: 'createIndex', table: tableName(n.table), concurrent: false, unique: str(n.index_type) === 'unique', online });
      }
      return;
    case 'set':
      // SQL Server: SET LOCK_TIMEOUT n (milliseconds; -1, the default, waits for ever).
      for (const e of list(n.expr)) {
        const name = str(obj(e.left).value) || str(obj(e.left).name);
        const value = Number(obj(e.right).value);
        if (/^lock_timeout$/i.test(name)) s.lockTimeout = value > 0 ? 'set' : 'reset';
        if (/^foreign_key_checks$/i.test(name)) s.foreignKeyChecks = value !== 0 && !/^off$/i.test(String(obj(e.right).value));
      }
      return;
    case 'call':
    case 'exec':
      // A stored procedure runs statements this file does not show.
      s.changes.push({ kind: 'opaqueCode', what: `${str(n.type).toUpperCase()} ${tableName(n.module) || str(obj(obj(n.expr).name).name) || 'procedure'}` });
      return;
    case 'transaction':
      s.transaction = /^(start|begin)$/i.test(str(obj(obj(n.expr).action).value)) ? 'begin' : 'commit';
      return;
    default:
      return;
  }
}

function alter(n: Node, s: Statement, dialect: Dialect): void {
  const table = tableName(list(n.table)[0]);
  const exprs = list(n.expr);
  // MySQL's LOCK=NONE makes the server refuse, rather than block writes, when it cannot go online.
  const online = exprs.some((e) => str(e.resource) === 'lock' && /^none$/i.test(str(e.lock)));
  for (const e of exprs) {
    const action = str(e.action);
    const resource = str(e.resource);
    const column = str(obj(e.column).column);
    const def = obj(e.definition);
    if (resource === 'column') {
      if (action === 'add') s.changes.push(addColumn(table, column, e));
      else if (action === 'drop') s.changes.push({ kind: 'dropColumn', table, column });
      else if (action === 'rename') s.changes.push({ kind: 'renameColumn', table, column: str(obj(e.old_column).column), to: column });
      else if (action === 'change') {
        const from = str(obj(e.old_column).column);
        if (from.toLowerCase() !== column.toLowerCase()) s.changes.push({ kind: 'renameColumn', table, column: from, to: column });
        s.changes.push({ kind: 'changeColumnType', table, column: from, type: dataType(def) });
      } else if ((action === 'modify' || action === 'alter') && def.dataType !== undefined) {
        s.changes.push({ kind: 'changeColumnType', table, column, type: dataType(def) });
      }
      if (action !== 'add' && !online && def.dataType !== undefined) s.lock = 'ACCESS EXCLUSIVE';
    } else if (resource === 'table' && action === 'rename') {
      s.changes.push({ kind: 'renameTable', table, to: str(e.table) });
    } else if (resource === 'constraint' && action === 'add') {
      const cd = obj(e.create_definitions);
      s.changes.push({ kind: 'addConstraint', table, constraint: constraintKind(str(cd.constraint_type)), notValid: false, usingIndex: false });
    } else if (resource === 'index' && action === 'add') {
      s.changes.push({ kind: 'createIndex', table, concurrent: false, unique: false, online: dialect === 'mysql' });
    }
  }
  if (s.lock !== null) s.lockedTables.push(table);
}

function addColumn(table: string, column: string, e: Node): SchemaChange {
  const notNull = str(obj(e.nullable).type) === 'not null' || e.primary_key !== undefined;
  const generated = e.auto_increment !== undefined || e.generated !== undefined;
  return { kind: 'addColumn', table, column, notNull, hasDefault: e.default_val !== undefined && e.default_val !== null, volatileDefault: null, generated };
}

function constraintKind(t: string): 'unique' | 'primaryKey' | 'foreignKey' | 'check' | 'other' {
  const k = t.toLowerCase();
  if (k.startsWith('unique')) return 'unique';
  if (k === 'primary key') return 'primaryKey';
  if (k === 'foreign key') return 'foreignKey';
  if (k === 'check') return 'check';
  return 'other';
}

export function tableName(v: unknown): string {
  const t = obj(v);
  const name = str(t.table) || str(obj(t.name).name);
  return str(t.db) ? `${str(t.db)}.${name}` : name;
}

function dataType(def: Node): string {
  const len = def.length !== undefined ? `(${String(def.length)})` : '';
  return `${str(def.dataType).toLowerCase()}${len}`;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
