#!/usr/bin/env node
/**
 * Precision and recall of check-migrations per rule on the corpus (test/fixtures/migrations),
 * and squawk (squawk-cli, the PostgreSQL linter) on the PostgreSQL cases in the same run, with
 * every place the two differ. Exits 1 if cutover misses a breaking change squawk finds.
 * Usage: npm run bench:migrations [-- --timing]   (writes bench/results/migrations.md)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSql, RULES } from '../../dist/migrations/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = join(ROOT, 'test/fixtures/migrations');
const SQUAWK_VERSION = '2.66.0';
const SQUAWK = squawkBin();

/**
 * squawk-cli is installed here on first use, not kept in devDependencies: it ships its binary as
 * one optional package per platform, and where only linux-x64's is in the registry npm writes a
 * lock file that `npm ci` then rejects ("Missing: @squawk-cli/darwin-arm64@ from lock file").
 */
function squawkBin() {
  const dir = join(ROOT, 'node_modules/.cache/cutover-squawk');
  const bin = join(dir, 'node_modules/.bin/squawk');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    console.error(`installing squawk-cli@${SQUAWK_VERSION} into ${relative(ROOT, dir)} (once)`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `squawk-cli@${SQUAWK_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return bin;
}

/** Same annotations as test/helpers/migration-corpus.ts. */
function loadCorpus() {
  const cases = [];
  for (const dialect of ['postgres', 'mysql', 'sqlserver', 'sqlite']) {
    for (const name of readdirSync(join(CORPUS, dialect)).filter((n) => n.endsWith('.sql')).sort()) {
      const file = join(CORPUS, dialect, name);
      const text = readFileSync(file, 'utf8');
      const expected = [];
      let phase = 'expand';
      text.split(/\r?\n/).forEach((line, i) => {
        if (/^-- phase: contract\s*$/.test(line)) phase = 'contract';
        const m = /-- expect(\+1)?: ([a-z, -]+)$/.exec(line);
        if (m) for (const rule of m[2].split(',').map((r) => r.trim())) expected.push({ line: i + 1 + (m[1] ? 1 : 0), rule });
      });
      // A deliberate difference from squawk, said in the file: `-- squawk-differs: why`.
      const differs = /^-- squawk-differs: (.+)$/m.exec(text)?.[1] ?? null;
      cases.push({ file, dialect, phase, text, expected, differs });
    }
  }
  return cases;
}

/** squawk rule → the cutover rule(s) answering the same question; unmapped ones are out of scope. */
const SQUAWK_TO_CUTOVER = {
  'ban-drop-column': ['drop-column'],
  'ban-drop-table': ['drop-table'],
  'renaming-column': ['rename-column'],
  'renaming-table': ['rename-table'],
  'changing-column-type': ['change-column-type'],
  'adding-required-field': ['add-not-null-column-without-default'],
  'adding-not-nullable-field': ['set-not-null'],
  'disallowed-unique-constraint': ['add-unique-constraint'],
  'adding-serial-primary-key-field': ['add-primary-key'],
  'adding-primary-key-constraint': ['add-primary-key'],
  'require-concurrent-index-creation': ['create-index-non-concurrent'],
  'ban-concurrent-index-creation-in-transaction': ['concurrent-index-in-transaction'],
  'adding-foreign-key-constraint': ['foreign-key-without-not-valid'],
  'constraint-missing-not-valid': ['check-without-not-valid', 'foreign-key-without-not-valid'],
  'adding-field-with-default': ['volatile-default-rewrite'],
  'require-lock-timeout': ['access-exclusive-without-lock-timeout'],
  'ban-truncate-cascade': ['truncate'],
  'syntax-error': ['parse-error'],
};
const BREAKING = new Set([...RULES.filter((r) => r.category === 'breaking').map((r) => r.id), 'parse-error']);

const cases = loadCorpus();
const stats = new Map();
const stat = (rule) => stats.get(rule) ?? stats.set(rule, { tp: 0, fp: 0, fn: 0 }).get(rule);
const cutoverExpand = new Map();

for (const c of cases) {
  const found = await checkSql(c.text, c.file, { dialect: c.dialect, phase: c.phase });
  const got = found.map((f) => `${f.line}:${f.ruleId}`);
  const want = c.expected.map((e) => `${e.line}:${e.rule}`);
  const remaining = [...want];
  for (const g of got) {
    const i = remaining.indexOf(g);
    const rule = g.slice(g.indexOf(':') + 1);
    if (i >= 0) { remaining.splice(i, 1); stat(rule).tp++; } else stat(rule).fp++;
  }
  for (const r of remaining) stat(r.slice(r.indexOf(':') + 1)).fn++;
  // squawk has no phases: compare both on the expand question.
  // squawk has no phases and no cutover:allow: compare both on the expand question, suppressions off.
  if (c.dialect === 'postgres') {
    const unsuppressed = c.text.replaceAll('cutover:allow', 'cutover:(allow)');
    cutoverExpand.set(c.file, await checkSql(unsuppressed, c.file, { dialect: 'postgres', phase: 'expand' }));
  }
}

const pg = cases.filter((c) => c.dialect === 'postgres');
let squawkRaw;
try {
  squawkRaw = execFileSync(SQUAWK, ['--reporter', 'json', ...pg.map((c) => c.file)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
} catch (err) {
  // squawk exits 1 when it finds something; its report is still on stdout.
  squawkRaw = err.stdout;
}
const squawkVersion = execFileSync(SQUAWK, ['--version'], { encoding: 'utf8' }).trim();
const squawk = JSON.parse(squawkRaw).map((f) => ({ file: f.file, line: f.line + 1, rule: f.rule_name }));

const missedBreaking = [];
const differences = [];
const squawkStats = new Map();
const sstat = (rule) => squawkStats.get(rule) ?? squawkStats.set(rule, { tp: 0, fp: 0, fn: 0 }).get(rule);
for (const c of pg) {
  const ours = cutoverExpand.get(c.file);
  const theirs = squawk.filter((s) => s.file === c.file);
  const name = basename(c.file);
  for (const s of theirs) {
    const mapped = SQUAWK_TO_CUTOVER[s.rule];
    if (!mapped) continue;
    const match = ours.some((f) => f.line === s.line && mapped.includes(f.ruleId));
    if (!match) {
      const why = c.differs;
      differences.push({ file: name, line: s.line, squawk: s.rule, cutover: why ? `— (${why})` : '—' });
      if (mapped.some((m) => BREAKING.has(m)) && !why) missedBreaking.push(`${name}:${s.line} ${s.rule}`);
    }
  }
  for (const f of ours) {
    const match = theirs.some((s) => s.line === f.line && (SQUAWK_TO_CUTOVER[s.rule] ?? []).includes(f.ruleId));
    if (!match) differences.push({ file: name, line: f.line, squawk: '—', cutover: f.ruleId });
  }
  // squawk scored against the same expectations, for the rules it has an equivalent of (expand cases).
  if (c.phase !== 'expand') continue;
  const mappedTheirs = theirs.flatMap((s) => (SQUAWK_TO_CUTOVER[s.rule] ?? []).map((rule) => `${s.line}:${rule}`));
  const comparable = new Set(Object.values(SQUAWK_TO_CUTOVER).flat());
  const want = c.expected.filter((e) => comparable.has(e.rule)).map((e) => `${e.line}:${e.rule}`);
  for (const w of want) {
    const rule = w.slice(w.indexOf(':') + 1);
    if (mappedTheirs.includes(w)) sstat(rule).tp++; else sstat(rule).fn++;
  }
  const seen = new Set();
  for (const s of theirs) {
    const mapped = SQUAWK_TO_CUTOVER[s.rule];
    if (!mapped) continue;
    if (!mapped.some((m) => want.includes(`${s.line}:${m}`)) && !seen.has(`${s.line}:${s.rule}`)) {
      seen.add(`${s.line}:${s.rule}`);
      sstat(mapped[0]).fp++;
    }
  }
}

let timing = '';
if (process.argv.includes('--timing')) {
  // Interleaved A/B, both as the processes a CI job would run, on the same PostgreSQL files.
  const cli = join(ROOT, 'dist/cli/main.js');
  const files = pg.map((c) => c.file);
  const runs = { cutover: [], squawk: [] };
  for (let i = 0; i < 5; i++) {
    for (const [name, cmd, args] of [['cutover', process.execPath, [cli, 'check-migrations', ...files, '--format', 'json']], ['squawk', SQUAWK, ['--reporter', 'json', ...files]]]) {
      const t0 = performance.now();
      try { execFileSync(cmd, args, { stdio: 'ignore' }); } catch { /* exit 1: findings */ }
      runs[name].push(performance.now() - t0);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  timing = `\n## Time (interleaved A/B, 5 rounds, ${files.length} files, whole process each)\n\ncutover / squawk median wall time: **${(median(runs.cutover) / median(runs.squawk)).toFixed(1)}×** (cutover starts Node and loads the WASM parser; squawk is a native binary). The machine was shared and noisy; only the ratio is reported.\n`;
}

const pct = (n, d) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(0)} %`);
const rows = [...stats.entries()].sort(([a], [b]) => a.localeCompare(b))
  .map(([rule, s]) => `| ${rule} | ${s.tp} | ${s.fp} | ${s.fn} | ${pct(s.tp, s.tp + s.fp)} | ${pct(s.tp, s.tp + s.fn)} |`);
const srows = [...squawkStats.entries()].sort(([a], [b]) => a.localeCompare(b))
  .map(([rule, s]) => `| ${rule} | ${s.tp} | ${s.fp} | ${s.fn} | ${pct(s.tp, s.tp + s.fp)} | ${pct(s.tp, s.tp + s.fn)} |`);
const total = [...stats.values()].reduce((a, s) => ({ tp: a.tp + s.tp, fp: a.fp + s.fp, fn: a.fn + s.fn }), { tp: 0, fp: 0, fn: 0 });
const byDialect = ['postgres', 'mysql', 'sqlserver', 'sqlite'].map((d) => `${d} ${cases.filter((c) => c.dialect === d).length}`).join(', ');

const report = `# check-migrations on the corpus

\`npm run bench:migrations\` (${new Date().toISOString().slice(0, 10)}). ${cases.length} cases (${byDialect}); ${cases.filter((c) => c.expected.length === 0).length} of them expect no finding.
Expectations are the \`-- expect:\` annotations in each file of \`test/fixtures/migrations/\`.

## cutover, per rule

| rule | true pos. | false pos. | false neg. | precision | recall |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
| **all** | ${total.tp} | ${total.fp} | ${total.fn} | ${pct(total.tp, total.tp + total.fp)} | ${pct(total.tp, total.tp + total.fn)} |

## ${squawkVersion}, same PostgreSQL cases (${pg.length}), on the rules it has an equivalent of

| rule (cutover id) | true pos. | false pos. | false neg. | precision | recall |
| --- | ---: | ---: | ---: | ---: | ---: |
${srows.join('\n')}

Breaking changes squawk finds that cutover misses: **${missedBreaking.length === 0 ? 'none' : missedBreaking.join(', ')}** (differences a fixture explains with \`-- squawk-differs:\` are listed below with their reason, not counted as misses).

## Where they differ (PostgreSQL, both asked the expand question)

| file | line | squawk | cutover |
| --- | ---: | --- | --- |
${differences.map((d) => `| ${d.file} | ${d.line} | ${d.squawk} | ${d.cutover} |`).join('\n')}

squawk rules with no cutover equivalent (not counted): require-statement-timeout, prefer-robust-stmts, prefer-identity and the other style rules.

Why they differ, by kind (read with the table above):
- **require-lock-timeout on SHARE / SHARE ROW EXCLUSIVE / SHARE UPDATE EXCLUSIVE statements** (CREATE INDEX, FOREIGN KEY, CONCURRENTLY, even CREATE FUNCTION): squawk asks for a lock_timeout before any of them; cutover's rule is scoped to ACCESS EXCLUSIVE, the lock that also queues readers. The non-concurrent index and the validating foreign key are flagged by their own rules.
- **constraint-missing-not-valid on UNIQUE / PRIMARY KEY**: PostgreSQL has no NOT VALID for those; cutover flags them as add-unique-constraint / add-primary-key with the USING INDEX alternative.
- **type-change-rewrite**: cutover reports a type change twice on purpose (breaking for the old version, and the rewrite lock that contract still has); squawk has one rule.
- **truncate**: squawk only bans TRUNCATE ... CASCADE; cutover flags every TRUNCATE of a table the old version serves.
- **serial / identity columns**: the fill rewrites the table under ACCESS EXCLUSIVE; squawk only suggests identity (style).
- **DROP INDEX CONCURRENTLY in a transaction** fails like CREATE does; squawk's rule covers CREATE only.
- **tables created earlier in the same file** are empty and unknown to the old version: cutover does not flag locks or constraints on them (the fixture says so with \`-- squawk-differs:\`).
- **views**: cutover treats DROP VIEW / ALTER VIEW ... RENAME like the table forms (the old version reads views like tables); squawk does not.
- **lock_timeout scope**: cutover follows the file in order (SET LOCAL ends at COMMIT, RESET and 0 switch it off); squawk counts any earlier SET.
- **DROP DEFAULT on a column added NOT NULL in the same file** (Django's AddField): the old version's INSERTs fail as with a NOT NULL column without default; squawk sees two harmless statements.
- **cutover:allow** suppressions are switched off for this comparison, so both tools see every statement.
${timing}`;

writeFileSync(join(ROOT, 'bench/results/migrations.md'), report);
process.stdout.write(report);
process.stdout.write(`\n(written to ${relative(process.cwd(), join(ROOT, 'bench/results/migrations.md'))})\n`);
if (missedBreaking.length > 0) process.exitCode = 1;
