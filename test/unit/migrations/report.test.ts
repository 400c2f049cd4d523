import { describe, expect, it } from 'vitest';
import { checkSql, formatReport, META_RULES, RULES, type CheckReport } from '../../../src/migrations/index.js';

const SQL = "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE users DROP COLUMN email;\n";

async function report(sql: string, phase: 'expand' | 'contract' = 'expand'): Promise<CheckReport> {
  const findings = await checkSql(sql, 'db/002_drop.sql', { dialect: 'postgres', phase });
  return { files: ['db/002_drop.sql'], findings, safe: !findings.some((f) => f.level === 'error') };
}

describe('check-migrations report', () => {
  it('text: file:line:column, rule, why, lock and the alternative, then a verdict line that says what to do', async () => {
    const text = formatReport(await report(SQL), { dialect: 'postgres', phase: 'expand' }, 'text');
    expect(text.split('\n')).toEqual([
      'db/002_drop.sql:3:1: error [drop-column] users.email: the old version still selects or writes this column; its queries fail as soon as the column is gone',
      '  lock: ACCESS EXCLUSIVE on the table (brief, but queued behind every running query)',
      '  instead: stop reading and writing the column in the new version, ship it, and drop the column in the contract migration once the old version is gone',
      "unsafe: 1 finding in 1 file (postgres, expand phase); fix them, or allow one with '-- cutover:allow RULE: why' on the line before the statement",
      '',
    ]);
    expect(formatReport(await report(SQL, 'contract'), { dialect: 'postgres', phase: 'contract' }, 'text'))
      .toBe('ok: 1 file checked (postgres, contract phase), nothing unsafe\n');
  });

  it('json: the findings as data', async () => {
    const body = JSON.parse(formatReport(await report(SQL), { dialect: 'postgres', phase: 'expand' }, 'json')) as Record<string, unknown>;
    expect(body).toMatchObject({ dialect: 'postgres', phase: 'expand', safe: false, files: ['db/002_drop.sql'] });
    expect(body.findings).toEqual([expect.objectContaining({ file: 'db/002_drop.sql', line: 3, column: 1, ruleId: 'drop-column', level: 'error' })]);
  });

  it('sarif: 2.1.0 with every rule in the driver and results pointing at their rule', async () => {
    const log = JSON.parse(formatReport(await report(SQL), { dialect: 'postgres', phase: 'expand' }, 'sarif')) as {
      version: string; runs: { tool: { driver: { rules: { id: string; shortDescription: { text: string } }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: unknown[] }[] }[];
    };
    expect(log.version).toBe('2.1.0');
    const { rules } = log.runs[0]!.tool.driver;
    expect(rules.map((r) => r.id)).toEqual([...RULES.map((r) => r.id), ...Object.keys(META_RULES)]);
    for (const r of rules) expect(r.shortDescription.text.length).toBeGreaterThan(10);
    const [result] = log.runs[0]!.results;
    expect(rules[result!.ruleIndex]!.id).toBe(result!.ruleId);
    expect(result).toMatchObject({ ruleId: 'drop-column', level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: 'db/002_drop.sql' }, region: { startLine: 3, startColumn: 1 } } }] });
  });

  it('every rule has a kebab-case id, a why, an alternative and a section in docs/migrations.md', async () => {
    const { readFile } = await import('node:fs/promises');
    const docs = await readFile(new URL('../../../docs/migrations.md', import.meta.url), 'utf8');
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(r.why.length).toBeGreaterThan(20);
      expect(r.alternative.length).toBeGreaterThan(20);
      expect(docs, `docs/migrations.md has no section for ${r.id}`).toContain(`#### ${r.id}\n`);
    }
    for (const id of Object.keys(META_RULES)) expect(docs).toContain(id);
  });
});
