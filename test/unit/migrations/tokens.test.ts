import { describe, expect, it } from 'vitest';
import { utf8OffsetMapper } from '../../../src/migrations/offsets.js';
import type { LexError} from '../../../src/migrations/tokens.js';
import { LineIndex, tokenize } from '../../../src/migrations/tokens.js';

const kinds = (sql: string, dialect: Parameters<typeof tokenize>[1]) => tokenize(sql, dialect).map((t) => `${t.kind}:${t.value}`);

describe('migrations lexer', () => {
  it('keeps a ; and SQL words inside PostgreSQL literals, dollar quotes and nested comments', () => {
    expect(kinds("SELECT E'it\\'s; DROP', $fn$ DROP TABLE x; $fn$ /* a /* b; */ c */ -- d;\n;", 'postgres')).toEqual([
      'word:SELECT', "string:it\\'s; DROP", 'punct:,', 'string: DROP TABLE x; ', 'comment: a /* b; */ c ', 'comment: d;', 'punct:;',
    ]);
  });

  it('reads MySQL backslash escapes, double-quoted strings, backtick identifiers and # comments', () => {
    expect(kinds("INSERT INTO `t` VALUES ('a\\';b', \"c;d\") # x;\n", 'mysql')).toEqual([
      'word:INSERT', 'word:INTO', 'identifier:t', 'word:VALUES', 'punct:(', "string:a\\';b", 'punct:,', 'string:c;d', 'punct:)', 'comment: x;',
    ]);
  });

  it("reads SQL Server's [brackets]] ], N'..' strings with '' and @variables", () => {
    expect(kinds("EXEC(N'it''s [x]' + @var0); SELECT [a]]b]", 'sqlserver')).toEqual([
      'word:EXEC', 'punct:(', "string:it's [x]", 'punct:+', 'variable:@VAR0', 'punct:)', 'punct:;', 'word:SELECT', 'identifier:a]b',
    ]);
  });

  it('says where an unterminated literal starts', () => {
    const text = "SELECT 1;\nINSERT INTO t VALUES ('oops);\n";
    let failure;
    try {
      tokenize(text, 'postgres');
    } catch (err) {
      failure = (err as LexError).failure;
    }
    expect(failure).toEqual({ offset: text.indexOf("'oops"), message: 'unterminated string literal' });
    expect(() => tokenize('SELECT $a$ never closed', 'postgres')).toThrow(/unterminated dollar-quoted string \$a\$/);
    expect(() => tokenize('/* open', 'sqlite')).toThrow(/unterminated \/\* comment/);
  });

  it('maps offsets to 1-based line and column, and UTF-8 byte offsets to characters', () => {
    const text = 'ab\ncdé\n✓x';
    const lines = new LineIndex(text);
    expect(lines.at(0)).toEqual({ line: 1, column: 1 });
    expect(lines.at(4)).toEqual({ line: 2, column: 2 });
    expect(lines.at(text.indexOf('x'))).toEqual({ line: 3, column: 2 });
    const toChar = utf8OffsetMapper(text);
    // é is 2 bytes, ✓ is 3: the byte offset of x is 3 + 4 + 3 = 10 + 1 newline = 11.
    expect(toChar(Buffer.from(text).indexOf('x'))).toBe(text.indexOf('x'));
    expect(utf8OffsetMapper('plain')(3)).toBe(3);
  });
});
