/**
 * Statements recognised from their tokens because node-sql-parser's grammar lacks them, though
 * migration tools emit them: transaction control, SQLite's PRAGMA and DROP INDEX, T-SQL's
 * DECLARE, SET session options, `EXEC sp_rename` (EF Core's RenameColumn/RenameTable) and
 * `DROP CONSTRAINT [name]`.
 * Each matcher accepts the whole statement or nothing; what none accepts is a parse error.
 */
import { isPunct, isWord, type TokenRun } from './split.js';
import type { Token } from './tokens.js';
import { foreignKeyEnd } from './clauses.js';
import type { Dialect, SchemaChange, Statement } from './types.js';

function empty(r: TokenRun): Statement {
  return { start: r.start, end: r.end, changes: [], transaction: null, lockTimeout: null, lock: null, lockedTables: [] };
}

/** Tried before the grammar: node-sql-parser misreads `BEGIN TRANSACTION` in T-SQL as an assignment. */
export function fromTokens(_text: string, r: TokenRun, dialect: Dialect): Statement | null {
  const t = r.tokens;
  const transaction = transactionControl(t, dialect);
  if (transaction) return { ...empty(r), transaction };
  if (dialect === 'sqlserver') {
    if (isWord(t[0], 'DECLARE') && t[1]?.kind === 'variable') return empty(r);
    if (sessionOption(t)) return empty(r);
    // PRINT writes a message, THROW and RAISERROR raise one: none of them touches the schema.
    if (isWord(t[0], 'PRINT', 'THROW', 'RAISERROR')) return empty(r);
    const transfer = schemaTransfer(t);
    if (transfer) return { ...empty(r), changes: [transfer], lock: 'ACCESS EXCLUSIVE', lockedTables: [transfer.table] };
    const rename = spRename(t);
    if (rename) return { ...empty(r), ...rename };
  }
  return null;
}

/** Tried when the grammar fails. */
export function tokenFallback(_text: string, r: TokenRun, dialect: Dialect): Statement | null {
  const t = r.tokens;
  if (dialect === 'sqlite' && isWord(t[0], 'PRAGMA')) return empty(r);
  // MySQL: SET NAMES utf8mb4 [COLLATE x], SET CHARACTER SET x: the connection's character set.
  if (dialect === 'mysql' && isWord(t[0], 'SET') && (isWord(t[1], 'NAMES') || (isWord(t[1], 'CHARACTER') && isWord(t[2], 'SET')))) return empty(r);
  if (dialect === 'mysql' && isWord(t[0], 'ALTER') && isWord(t[1], 'TABLE')) {
    const mysql = mysqlAlter(t, r);
    if (mysql) return mysql;
  }
  if (isWord(t[0], 'DROP') && isWord(t[1], 'INDEX')) return { ...empty(r), changes: [{ kind: 'dropIndex', concurrent: false }] };
  // ALTER TABLE name DROP CONSTRAINT [IF EXISTS] name: removes a constraint; nothing the old version relies on.
  if (isWord(t[0], 'ALTER') && isWord(t[1], 'TABLE')) {
    const after = qualifiedName(t, 2);
    if (after && isWord(t[after.next], 'DROP') && isWord(t[after.next + 1], 'CONSTRAINT')) {
      let i = after.next + 2;
      if (isWord(t[i], 'IF') && isWord(t[i + 1], 'EXISTS')) i += 2;
      const name = qualifiedName(t, i);
      if (name && name.next === t.length) return empty(r);
    }
    const fk = addForeignKey(t);
    if (fk) return { ...empty(r), changes: [fk] };
    const dflt = columnDefault(t);
    if (dflt !== undefined) return { ...empty(r), changes: dflt ? [dflt] : [] };
  }
  return null;
}

/**
 * MySQL's `ALTER TABLE t RENAME INDEX|KEY a TO b` (harmless) and `ALTER TABLE t CONVERT TO
 * CHARACTER SET x`, which retypes every text column with a table copy.
 */
function mysqlAlter(t: Token[], r: TokenRun): Statement | null {
  const table = qualifiedName(t, 2);
  if (!table) return null;
  const i = table.next;
  if (isWord(t[i], 'RENAME') && isWord(t[i + 1], 'INDEX', 'KEY') && isWord(t[i + 3], 'TO') && t.length === i + 5) return empty(r);
  if (isWord(t[i], 'CONVERT') && isWord(t[i + 1], 'TO') && isWord(t[i + 2], 'CHARACTER') && isWord(t[i + 3], 'SET') && t[i + 4] !== undefined) {
    const name = table.parts.join('.');
    return { ...empty(r), changes: [{ kind: 'changeColumnType', table: name, column: '*', type: `CHARACTER SET ${t[i + 4]!.value.toLowerCase()}` }], lock: 'ACCESS EXCLUSIVE', lockedTables: [name] };
  }
  return null;
}

/** ALTER TABLE name [WITH CHECK|NOCHECK] ADD [CONSTRAINT name] FOREIGN KEY (...) REFERENCES ...: the grammar lacks it. */
function addForeignKey(t: Token[]): SchemaChange | null {
  const table = qualifiedName(t, 2);
  if (!table) return null;
  let i = table.next;
  let notValid = false;
  if (isWord(t[i], 'WITH') && isWord(t[i + 1], 'CHECK', 'NOCHECK')) {
    notValid = t[i + 1]!.value === 'NOCHECK';
    i += 2;
  }
  if (!isWord(t[i], 'ADD')) return null;
  i++;
  if (isWord(t[i], 'CONSTRAINT')) {
    const name = qualifiedName(t, i + 1);
    if (!name) return null;
    i = name.next;
  }
  const end = foreignKeyEnd(t, i);
  if (end !== t.length) return null;
  return { kind: 'addConstraint', table: table.parts.join('.'), constraint: 'foreignKey', notValid, usingIndex: false };
}

/** `SET NOCOUNT ON`, `SET XACT_ABORT ON`, `SET IDENTITY_INSERT [Blogs] ON` (EF Core's seed data): session options. */
function sessionOption(t: Token[]): boolean {
  if (!isWord(t[0], 'SET') || !isWord(t[t.length - 1], 'ON', 'OFF')) return false;
  if (isWord(t[1], 'IDENTITY_INSERT')) return qualifiedName(t, 2)?.next === t.length - 1;
  return t.length === 3 && t[1]!.kind === 'word';
}

/** `ALTER SCHEMA [blog] TRANSFER [dbo].[Blogs]` (EF Core moving a table): a rename as far as the old version can tell. */
function schemaTransfer(t: Token[]): (SchemaChange & { kind: 'renameTable' }) | null {
  if (!isWord(t[0], 'ALTER') || !isWord(t[1], 'SCHEMA')) return null;
  const schema = qualifiedName(t, 2);
  if (!schema || !isWord(t[schema.next], 'TRANSFER')) return null;
  let i = schema.next + 1;
  if (isWord(t[i], 'OBJECT') && isPunct(t[i + 1], ':') && isPunct(t[i + 2], ':')) i += 3;
  const table = qualifiedName(t, i);
  if (!table || table.next !== t.length) return null;
  const name = table.parts[table.parts.length - 1]!;
  return { kind: 'renameTable', table: table.parts.join('.'), to: `${schema.parts.join('.')}.${name}` };
}

/**
 * MySQL's `ALTER TABLE t ALTER [COLUMN] c DROP DEFAULT | SET DEFAULT <literal>`: a dropDefault
 * change, null for SET DEFAULT (harmless), undefined when the statement is something else.
 */
function columnDefault(t: Token[]): SchemaChange | null | undefined {
  const table = qualifiedName(t, 2);
  if (!table || !isWord(t[table.next], 'ALTER')) return undefined;
  let i = table.next + 1;
  if (isWord(t[i], 'COLUMN')) i++;
  const column = t[i];
  if (column === undefined || (column.kind !== 'word' && column.kind !== 'identifier')) return undefined;
  const name = column.kind === 'word' ? column.value.toLowerCase() : column.value;
  if (isWord(t[i + 1], 'DROP') && isWord(t[i + 2], 'DEFAULT') && t.length === i + 3) return { kind: 'dropDefault', table: table.parts.join('.'), column: name };
  const value = t[i + 3];
  if (isWord(t[i + 1], 'SET') && isWord(t[i + 2], 'DEFAULT') && t.length === i + 4 && value !== undefined && ['string', 'number', 'word'].includes(value.kind)) return null;
  return undefined;
}

function transactionControl(t: Token[], dialect: Dialect): 'begin' | 'commit' | null {
  const rest = (from: number): boolean => t.length <= from + 1 && (t[from] === undefined || t[from]!.kind === 'word' || t[from]!.kind === 'identifier');
  if (isWord(t[0], 'BEGIN')) {
    if (t.length === 1) return dialect === 'sqlserver' ? null : 'begin';
    if (isWord(t[1], 'TRANSACTION', 'TRAN', 'WORK') && rest(2)) return 'begin';
    if (dialect === 'sqlite' && isWord(t[1], 'DEFERRED', 'IMMEDIATE', 'EXCLUSIVE') && (t.length === 2 || (isWord(t[2], 'TRANSACTION') && t.length === 3))) return 'begin';
  }
  if (isWord(t[0], 'START') && isWord(t[1], 'TRANSACTION') && t.length === 2) return 'begin';
  if (isWord(t[0], 'COMMIT', 'ROLLBACK') && (t.length === 1 || (isWord(t[1], 'TRANSACTION', 'TRAN', 'WORK') && rest(2)))) return 'commit';
  if (dialect === 'sqlite' && isWord(t[0], 'END') && (t.length === 1 || (isWord(t[1], 'TRANSACTION') && t.length === 2))) return 'commit';
  return null;
}

/** `EXEC sp_rename N'[Blogs].[Url]', N'Address', N'COLUMN'` (EF Core), named arguments allowed. */
function spRename(t: Token[]): Pick<Statement, 'changes' | 'lock' | 'lockedTables'> | null {
  if (!isWord(t[0], 'EXEC', 'EXECUTE')) return null;
  const proc = qualifiedName(t, 1);
  if (!proc || proc.parts[proc.parts.length - 1]!.toLowerCase() !== 'sp_rename') return null;
  const args: string[] = [];
  let i = proc.next;
  while (i < t.length) {
    if (t[i]?.kind === 'variable' && isPunct(t[i + 1], '=')) i += 2;
    const arg = t[i];
    if (arg?.kind !== 'string') return null;
    args.push(arg.value);
    i++;
    if (i < t.length && !isPunct(t[i], ',')) return null;
    i++;
  }
  if (args.length < 2) return null;
  const parts = splitObjectName(args[0]!);
  const type = (args[2] ?? 'OBJECT').toUpperCase();
  if (type === 'COLUMN' && parts.length >= 2) {
    const table = parts.slice(0, -1).join('.');
    return { changes: [{ kind: 'renameColumn', table, column: parts[parts.length - 1]!, to: args[1]! }], lock: 'ACCESS EXCLUSIVE', lockedTables: [table] };
  }
  if (type === 'OBJECT') {
    const table = parts.join('.');
    return { changes: [{ kind: 'renameTable', table, to: args[1]! }], lock: 'ACCESS EXCLUSIVE', lockedTables: [table] };
  }
  // INDEX, STATISTICS, USERDATATYPE: names the old version does not query by.
  return { changes: [], lock: null, lockedTables: [] };
}

/** `[dbo].[Blogs].[Url]` or `dbo.Blogs.Url` → its parts, brackets removed. */
function splitObjectName(name: string): string[] {
  const parts: string[] = [];
  let current = '';
  let bracket = false;
  for (const ch of name) {
    if (ch === '[' && !bracket) { bracket = true; continue; }
    if (ch === ']' && bracket) { bracket = false; continue; }
    if (ch === '.' && !bracket) { parts.push(current); current = ''; continue; }
    current += ch;
  }
  parts.push(current);
  return parts.filter((p) => p !== '');
}

export function qualifiedName(t: Token[], from: number): { parts: string[]; next: number } | null {
  const parts: string[] = [];
  let i = from;
  for (;;) {
    const tok = t[i];
    if (tok === undefined || (tok.kind !== 'word' && tok.kind !== 'identifier')) return parts.length > 0 ? { parts, next: i } : null;
    parts.push(tok.kind === 'word' ? tok.value.toLowerCase() : tok.value);
    i++;
    if (!isPunct(t[i], '.')) return { parts, next: i };
    i++;
  }
}
