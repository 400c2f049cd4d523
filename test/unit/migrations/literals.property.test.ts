import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSql, type Dialect } from '../../../src/migrations/index.js';

/** A literal in the dialect's own syntax, whatever text it holds. */
const literal: Record<Dialect, (s: string) => string> = {
  postgres: (s) => `'${s.replaceAll("'", "''")}'`,
  mysql: (s) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`,
  sqlserver: (s) => `N'${s.replaceAll("'", "''")}'`,
  sqlite: (s) => `'${s.replaceAll("'", "''")}'`,
};

const DROP: Record<Dialect, string> = {
  postgres: "SET lock_timeout = '2s';\nALTER TABLE users DROP COLUMN email;",
  mysql: 'ALTER TABLE users DROP COLUMN email;',
  sqlserver: 'ALTER TABLE [users] DROP COLUMN [email];',
  sqlite: 'ALTER TABLE users DROP COLUMN email;',
};

// Text that looks like the unsafe SQL, with every quote and comment marker a lexer can trip on.
const PIECES = ['DROP TABLE users;', 'ALTER TABLE users DROP COLUMN x;', "'", "''", '"', ';', '--', '/*', '*/', '#', '$$', '$x$', '[', ']', '\\', '\n', 'GO\n', ' ', 'é'];
const hostile = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('property: what is inside a string literal is never SQL', () => {
  for (const dialect of ['postgres', 'mysql', 'sqlserver', 'sqlite'] as const) {
    it(`${dialect}: only the real DROP COLUMN after the literal is found, on its own line`, async () => {
      await fc.assert(fc.asyncProperty(hostile, async (text) => {
        const insert = `INSERT INTO notes (body) VALUES (${literal[dialect](text)});`;
        const sql = `${insert}\n${DROP[dialect]}\n`;
        const findings = await checkSql(sql, 'p.sql', { dialect, phase: 'expand' });
        const dropLine = insert.split('\n').length + DROP[dialect].split('\n').length;
        expect(findings.map((f) => `${f.line}:${f.ruleId}`)).toEqual([`${dropLine}:drop-column`]);
      }), { numRuns: 60 });
    });
  }
});
