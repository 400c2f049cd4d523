/**
 * Statement boundaries from the lexer's tokens: a `;` outside any parenthesis or block ends a
 * statement. Comments are left out of the statements and returned apart, for suppressions.
 * SQL Server's batches and blocks are handled in tsql.ts on top of this.
 */
import type { Token } from './tokens.js';
import type { Dialect } from './types.js';

/** Tokens of one statement (no comments, no terminating `;`). */
export interface TokenRun {
  tokens: Token[];
  start: number;
  end: number;
}

export function withoutComments(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'comment');
}

export function isWord(t: Token | undefined, ...words: string[]): boolean {
  return t !== undefined && t.kind === 'word' && words.includes(t.value);
}

export function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.value === p;
}

/**
 * Split on top-level `;`. A trigger body (`CREATE TRIGGER ... BEGIN ...; ...; END`) is one
 * statement in SQLite and MySQL, so BEGIN/CASE ... END nest there once TRIGGER has been seen.
 */
export function splitOnSemicolons(tokens: readonly Token[], dialect: Dialect): TokenRun[] {
  const runs: TokenRun[] = [];
  let current: Token[] = [];
  let parens = 0;
  let blocks = 0;
  let trigger = false;
  const flush = (): void => {
    if (current.length > 0) runs.push(run(current));
    current = [];
    parens = 0;
    blocks = 0;
    trigger = false;
  };
  for (const t of tokens) {
    if (t.kind === 'comment') continue;
    if (isPunct(t, ';') && parens === 0 && blocks === 0) { flush(); continue; }
    if (isPunct(t, '(')) parens++;
    else if (isPunct(t, ')')) parens = Math.max(0, parens - 1);
    else if (dialect !== 'postgres' && isWord(t, 'TRIGGER') && isWord(current[0], 'CREATE')) trigger = true;
    else if (trigger && isWord(t, 'BEGIN', 'CASE')) blocks++;
    else if (trigger && isWord(t, 'END')) blocks = Math.max(0, blocks - 1);
    current.push(t);
  }
  flush();
  return runs;
}

export function run(tokens: Token[]): TokenRun {
  return { tokens, start: tokens[0]!.start, end: tokens[tokens.length - 1]!.end };
}
