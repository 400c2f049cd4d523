import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSql } from '../../../src/migrations/index.js';
import { readFileSync } from 'node:fs';
import { CORPUS_DIR, loadCorpus } from '../../helpers/migration-corpus.js';

const corpus = loadCorpus();

describe('migration corpus: every case finds exactly what it expects', () => {
  it('has at least 60 cases over all four dialects, safe and unsafe', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    for (const d of ['postgres', 'mysql', 'sqlserver', 'sqlite']) expect(corpus.filter((c) => c.dialect === d).length).toBeGreaterThanOrEqual(8);
    expect(corpus.filter((c) => c.expected.length === 0).length).toBeGreaterThanOrEqual(15);
  });

  it.each(corpus.map((c) => [relative(CORPUS_DIR, c.file), c] as const))('%s', async (_name, c) => {
    const findings = await checkSql(readFileSync(c.file, 'utf8'), c.file, { dialect: c.dialect, phase: c.phase });
    expect(findings.map((f) => `${f.line}:${f.ruleId}`).sort()).toEqual(c.expected);
  });
});
