/**
 * The migration corpus under test/fixtures/migrations/<dialect>/*.sql. Each file says what it
 * expects in comments: `-- expect: rule[, rule]` at the end of the line a finding is reported
 * on, `-- expect+1: rule` for the line below (a finding on a comment line), and `-- phase:
 * contract` to check it in that phase. A file without `expect` annotations expects nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dialect, MigrationPhase } from '../../src/migrations/index.js';

export const CORPUS_DIR = new URL('../fixtures/migrations/', import.meta.url).pathname;

export interface CorpusCase {
  file: string;
  dialect: Dialect;
  phase: MigrationPhase;
  /** "line:rule", sorted. */
  expected: string[];
}

export function loadCorpus(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const dialect of ['postgres', 'mysql', 'sqlserver', 'sqlite'] as const) {
    for (const name of readdirSync(join(CORPUS_DIR, dialect)).filter((n) => n.endsWith('.sql')).sort()) {
      const file = join(CORPUS_DIR, dialect, name);
      const lines = readFileSync(file, 'utf8').split(/\r?\n/);
      const expected: string[] = [];
      let phase: MigrationPhase = 'expand';
      lines.forEach((text, i) => {
        if (/^-- phase: contract\s*$/.test(text)) phase = 'contract';
        const m = /-- expect(\+1)?: ([a-z, -]+)$/.exec(text);
        if (!m) return;
        const line = i + 1 + (m[1] ? 1 : 0);
        for (const rule of m[2]!.split(',').map((r) => r.trim())) expected.push(`${line}:${rule}`);
      });
      cases.push({ file, dialect, phase, expected: expected.sort() });
    }
  }
  return cases;
}
