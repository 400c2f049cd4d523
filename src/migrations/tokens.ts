/**
 * A lexer for splitting files into statements and finding `cutover:allow` comments. It knows
 * each dialect's quoting (strings, quoted identifiers, dollar quotes, nested comments) so a `;`
 * or a keyword inside a literal or a comment is never taken for SQL. It does not parse: the
 * dialect's real parser does that on each statement it delimits.
 */
import type { Dialect, ParseFailure } from './types.js';

export type TokenKind = 'word' | 'identifier' | 'string' | 'number' | 'punct' | 'comment' | 'variable';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** Words upper-cased; identifiers and strings unquoted; comments without their markers. */
  value: string;
}

export class LexError extends Error {
  constructor(readonly failure: ParseFailure) {
    super(failure.message);
  }
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

export function tokenize(text: string, dialect: Dialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  const push = (kind: TokenKind, start: number, end: number, value: string): void => {
    tokens.push({ kind, start, end, value });
  };
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') { i++; continue; }
    if ((c === '-' && next === '-') || (c === '#' && dialect === 'mysql')) {
      const start = i;
      while (i < n && text[i] !== '\n') i++;
      push('comment', start, i, text.slice(start + (c === '#' ? 1 : 2), i).replace(/\r$/, ''));
      continue;
    }
    if (c === '/' && next === '*') {
      const start = i;
      // PostgreSQL and SQL Server nest block comments; MySQL and SQLite end at the first */.
      const nests = dialect === 'postgres' || dialect === 'sqlserver';
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '*' && text[i + 1] === '/') { depth--; i += 2; continue; }
        if (nests && text[i] === '/' && text[i + 1] === '*') { depth++; i += 2; continue; }
        i++;
      }
      if (depth > 0) throw new LexError({ offset: start, message: 'unterminated /* comment' });
      push('comment', start, i, text.slice(start + 2, i - 2));
      continue;
    }
    if (dialect === 'postgres' && c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (m) {
        const tag = m[0];
        const close = text.indexOf(tag, i + tag.length);
        if (close < 0) throw new LexError({ offset: i, message: `unterminated dollar-quoted string ${tag}` });
        push('string', i, close + tag.length, text.slice(i + tag.length, close));
        i = close + tag.length;
        continue;
      }
    }
    if (c === "'" || (c === '"' && dialect === 'mysql')) {
      const prefix = lastIsPrefix(tokens, i) ? tokens.pop()! : null;
      // MySQL strings and PostgreSQL's E'..' take backslash escapes; the standard only doubles the quote.
      const backslash = dialect === 'mysql' || (dialect === 'postgres' && prefix?.value === 'E');
      const end = quoted(text, i, c, backslash);
      if (end < 0) throw new LexError({ offset: i, message: 'unterminated string literal' });
      push('string', prefix?.start ?? i, end, text.slice(i + 1, end - 1).replaceAll(c + c, c));
      i = end;
      continue;
    }
    if (c === '"' || c === '`' || (c === '[' && (dialect === 'sqlserver' || dialect === 'sqlite'))) {
      const close = c === '[' ? ']' : c;
      const end = quoted(text, i, close, false);
      if (end < 0) throw new LexError({ offset: i, message: `unterminated quoted identifier ${c}` });
      push('identifier', i, end, text.slice(i + 1, end - 1).replaceAll(close + close, close));
      i = end;
      continue;
    }
    if (WORD_START.test(c)) {
      const start = i;
      while (i < n && WORD_PART.test(text[i]!)) i++;
      push('word', start, i, text.slice(start, i).toUpperCase());
      continue;
    }
    if (c === '@' && dialect === 'sqlserver') {
      const start = i;
      i++;
      while (i < n && (WORD_PART.test(text[i]!) || text[i] === '@')) i++;
      push('variable', start, i, text.slice(start, i).toUpperCase());
      continue;
    }
    if (c >= '0' && c <= '9') {
      const start = i;
      while (i < n && /[0-9.eE_xXa-fA-F]/.test(text[i]!)) i++;
      push('number', start, i, text.slice(start, i));
      continue;
    }
    push('punct', i, i + 1, c);
    i++;
  }
  return tokens;
}

/** A string prefix (E'..', N'..', X'..', B'..', U&'..') lexed as a word right before the quote. */
function lastIsPrefix(tokens: Token[], quoteAt: number): boolean {
  const last = tokens[tokens.length - 1];
  return last !== undefined && last.kind === 'word' && last.end === quoteAt && /^(E|N|X|B|_UTF8MB4|_BINARY)$/.test(last.value);
}

/** End offset (exclusive) of a quoted run starting at `start`, doubling the quote to escape it. */
function quoted(text: string, start: number, close: string, backslash: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (backslash && ch === '\\') { i += 2; continue; }
    if (ch === close) {
      if (text[i + 1] === close) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return -1;
}

/** Line and column (both 1-based, columns in characters) of offsets in one text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  at(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}
