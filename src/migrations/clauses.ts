/** Clauses recognised from tokens where node-sql-parser's grammar has a gap (see sql-parser.ts). */
import { isPunct, isWord } from './split.js';
import type { Token } from './tokens.js';

/** Index after `FOREIGN KEY (cols) REFERENCES name [(cols)] [ON DELETE|UPDATE action]...`, or null. */
export function foreignKeyEnd(t: Token[], at: number): number | null {
  if (!isWord(t[at], 'FOREIGN') || !isWord(t[at + 1], 'KEY')) return null;
  let i = afterParens(t, at + 2);
  if (i === null || !isWord(t[i], 'REFERENCES')) return null;
  i++;
  while (t[i] !== undefined && (t[i]!.kind === 'word' || t[i]!.kind === 'identifier') && !isWord(t[i], 'ON', 'NOT')) {
    i++;
    if (isPunct(t[i], '.')) i++;
  }
  if (isPunct(t[i], '(')) i = afterParens(t, i) ?? i;
  for (;;) {
    if (isWord(t[i], 'ON') && isWord(t[i + 1], 'DELETE', 'UPDATE')) {
      if (isWord(t[i + 2], 'CASCADE', 'RESTRICT')) { i += 3; continue; }
      if (isWord(t[i + 2], 'NO') && isWord(t[i + 3], 'ACTION')) { i += 4; continue; }
      if (isWord(t[i + 2], 'SET') && isWord(t[i + 3], 'NULL', 'DEFAULT')) { i += 4; continue; }
      return null;
    }
    if (isWord(t[i], 'NOT') && isWord(t[i + 1], 'FOR') && isWord(t[i + 2], 'REPLICATION')) { i += 3; continue; }
    return i;
  }
}

function afterParens(t: Token[], at: number): number | null {
  if (!isPunct(t[at], '(')) return null;
  let depth = 0;
  for (let i = at; i < t.length; i++) {
    if (isPunct(t[i], '(')) depth++;
    else if (isPunct(t[i], ')') && --depth === 0) return i + 1;
  }
  return null;
}
