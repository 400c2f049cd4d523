/**
 * SQL Server scripts as EF Core's `dotnet ef migrations script` writes them: batches separated
 * by `GO` lines, `BEGIN ... END` blocks, the idempotent wrapper
 * `IF NOT EXISTS (SELECT * FROM [__EFMigrationsHistory] WHERE ...) BEGIN ... END;` and dynamic
 * `EXEC(N'...')`. Blocks and wrappers are unwrapped and their bodies checked: the condition only
 * decides whether the body runs, and a body that may run must be safe. The statements inside are
 * parsed by node-sql-parser (sql-parser.ts).
 */
import { parseStatement } from './sql-parser.js';
import { isPunct, isWord, run, type TokenRun } from './split.js';
import { LexError, tokenize, type Token } from './tokens.js';
import type { ParseFailure, Statement } from './types.js';

/** Words that start a statement, so they end an `IF` condition written without BEGIN. */
const STATEMENT_START = new Set(['ALTER', 'CREATE', 'DROP', 'EXEC', 'EXECUTE', 'INSERT', 'UPDATE', 'DELETE', 'SET', 'PRINT', 'DECLARE', 'TRUNCATE', 'RAISERROR', 'THROW', 'RETURN', 'MERGE', 'BEGIN']);

export function sqlServerStatements(text: string, tokens: readonly Token[]): (Statement | ParseFailure)[] {
  const code = tokens.filter((t) => t.kind !== 'comment' && !isGoLine(text, t));
  const out: (Statement | ParseFailure)[] = [];
  const reader = new BlockReader(code, (r) => emit(text, r, out));
  reader.block(false);
  return out;
}

function emit(text: string, r: TokenRun, out: (Statement | ParseFailure)[]): void {
  const dynamic = dynamicSql(r.tokens);
  if (dynamic === null) {
    out.push(parseStatement(text, r, 'sqlserver'));
    return;
  }
  // The inner SQL's offsets cannot map through the quoting: findings point at the EXEC.
  let inner: Token[];
  try {
    inner = tokenize(dynamic, 'sqlserver');
  } catch (err) {
    if (err instanceof LexError) { out.push({ offset: r.start, message: `in EXEC(...): ${err.message}` }); return; }
    throw err;
  }
  for (const s of sqlServerStatements(dynamic, inner)) {
    if ('changes' in s) out.push({ ...s, start: r.start, end: r.end, at: undefined });
    else out.push({ offset: r.start, message: `in EXEC(...): ${s.message}` });
  }
}

/**
 * `EXEC(N'...' + @var + N'...')` → the SQL it runs, a variable standing in for a name. EF Core
 * drops a column's default constraint this way, its name read into @var first.
 */
function dynamicSql(t: Token[]): string | null {
  if (!isWord(t[0], 'EXEC', 'EXECUTE') || !isPunct(t[1], '(') || !isPunct(t[t.length - 1], ')')) return null;
  let sql = '';
  for (let i = 2; i < t.length - 1; i++) {
    const tok = t[i]!;
    if ((i - 2) % 2 === 1) {
      if (!isPunct(tok, '+')) return null;
      continue;
    }
    if (tok.kind === 'string') sql += tok.value;
    else if (tok.kind === 'variable') sql += 'cutover_dynamic_name';
    else return null;
  }
  return sql;
}

/** `GO` alone on its line (optionally with a repeat count) is sqlcmd's batch separator, not T-SQL. */
function isGoLine(text: string, t: Token): boolean {
  if (t.kind === 'word' && t.value === 'GO') {
    const before = text.slice(text.lastIndexOf('\n', t.start - 1) + 1, t.start);
    const lineEnd = text.indexOf('\n', t.end);
    const after = text.slice(t.end, lineEnd < 0 ? text.length : lineEnd);
    return before.trim() === '' && /^\s*(\d+)?\s*(--.*)?$/.test(after);
  }
  if (t.kind === 'number') {
    const before = text.slice(text.lastIndexOf('\n', t.start - 1) + 1, t.start);
    return /^\s*GO\s+$/i.test(before);
  }
  return false;
}

class BlockReader {
  private i = 0;

  constructor(private readonly t: Token[], private readonly onStatement: (r: TokenRun) => void) {}

  /** Statements until the end, or until the END that closes the block when `nested`. */
  block(nested: boolean): void {
    while (this.i < this.t.length) {
      const tok = this.t[this.i]!;
      if (isPunct(tok, ';')) { this.i++; continue; }
      if (nested && isWord(tok, 'END')) { this.i++; return; }
      this.statement();
    }
  }

  private statement(): void {
    const tok = this.t[this.i]!;
    if (isWord(tok, 'BEGIN') && this.opensBlock(this.i)) {
      const tryCatch = isWord(this.t[this.i + 1], 'TRY', 'CATCH');
      this.i += tryCatch ? 2 : 1;
      this.block(true);
      if (tryCatch && isWord(this.t[this.i], 'TRY', 'CATCH')) this.i++;
      return;
    }
    if (isWord(tok, 'IF')) {
      this.skipCondition();
      this.statement();
      if (isPunct(this.t[this.i], ';')) this.i++;
      if (isWord(this.t[this.i], 'ELSE')) { this.i++; this.statement(); }
      return;
    }
    this.simple();
  }

  private opensBlock(at: number): boolean {
    return !isWord(this.t[at + 1], 'TRAN', 'TRANSACTION', 'DISTRIBUTED');
  }

  private skipCondition(): void {
    let depth = 0;
    this.i++;
    while (this.i < this.t.length) {
      const tok = this.t[this.i]!;
      if (isPunct(tok, '(')) depth++;
      else if (isPunct(tok, ')')) depth--;
      else if (depth === 0 && tok.kind === 'word' && STATEMENT_START.has(tok.value)) return;
      this.i++;
    }
  }

  /** One statement: to the next `;` outside parentheses, or an END that closes the enclosing block. */
  private simple(): void {
    const tokens: Token[] = [];
    let depth = 0;
    let cases = 0;
    while (this.i < this.t.length) {
      const tok = this.t[this.i]!;
      if (depth === 0 && isPunct(tok, ';')) break;
      if (depth === 0 && cases === 0 && isWord(tok, 'END') && tokens.length > 0) break;
      if (depth === 0 && cases === 0 && isWord(tok, 'ELSE') && tokens.length > 0) break;
      if (isPunct(tok, '(')) depth++;
      else if (isPunct(tok, ')')) depth--;
      else if (isWord(tok, 'CASE')) cases++;
      else if (isWord(tok, 'END')) cases--;
      tokens.push(tok);
      this.i++;
    }
    if (tokens.length > 0) this.onStatement(run(tokens));
  }
}
