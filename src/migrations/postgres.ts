/**
 * PostgreSQL through libpg-query: PostgreSQL's own grammar (the server's parser compiled to
 * WASM), so what parses here parses on the server and every statement is seen as it will run.
 * Its locations are UTF-8 byte offsets; they are mapped back to the file's characters.
 */
import { loadModule, parseSync } from 'libpg-query';
import { sqlErrorOffset, utf8OffsetMapper } from './offsets.js';
import type { Token } from './tokens.js';
import { alterTable } from './postgres-alter.js';
import { isZero, list, lockOn, obj, relName, str, type Node } from './postgres-ast.js';
import type { ParsedFile, Statement } from './types.js';


let loading: Promise<void> | null = null;

/** The WASM module loads once per process; after that, parsing is synchronous. */
export function loadPostgresParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

export async function parsePostgres(text: string, tokens: readonly Token[]): Promise<ParsedFile> {
  await loadPostgresParser();
  const toChar = utf8OffsetMapper(text);
  let result;
  try {
    result = parseSync(text);
  } catch (err) {
    return { statements: [], failure: { offset: toChar(sqlErrorOffset(err)), message: (err as Error).message } };
  }
  // Statements come in file order, so one cursor over the tokens finds each first token (no rescans).
  const code = tokens.filter((t) => t.kind !== 'comment');
  let cursor = 0;
  const firstTokenFrom = (offset: number): number => {
    while (cursor < code.length && code[cursor]!.start < offset) cursor++;
    return code[cursor]?.start ?? offset;
  };
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
    case 'DoStmt':
      s.changes.push({ kind: 'opaqueCode', what: 'DO block' });
      break;
    case 'CallStmt': {
      const names = list(obj(obj(n.funccall).FuncCall ?? n.funccall).funcname).map((x) => str(obj(x.String).sval));
      s.changes.push({ kind: 'opaqueCode', what: `CALL ${names.join('.') || 'procedure'}` });
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
