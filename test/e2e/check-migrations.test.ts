import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { runCli, spawnCli } from '../helpers/cli-process.js';
import { startUpstream, testConfig } from '../helpers/servers.js';
import { FAST_ROLLOUT, getRoute, pollUntil } from '../integration/rollout/load.js';

async function sqlDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-check-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

const UNSAFE = "SET lock_timeout = '2s';\n-- ALTER TABLE users DROP COLUMN nickname; (comment)\nALTER TABLE users DROP COLUMN email;\n";
const SAFE = "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;\n";

interface Sarif {
  version: string;
  runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[] }[] }[];
}

describe('cutover check-migrations (built CLI)', () => {
  it('exits 0 on safe files and 1 on an unsafe one, with file:line:column, rule, why and the alternative', async () => {
    const dir = await sqlDir({ '001_add.sql': SAFE, '002_drop.sql': UNSAFE });
    const safe = await runCli(['check-migrations', join(dir, '001_add.sql'), '--phase', 'contract']);
    expect(safe.code).toBe(0);
    expect(safe.stdout).toMatch(/^ok: 1 file checked \(postgres, contract phase\), nothing unsafe/m);
    const unsafe = await runCli(['check-migrations', dir]);
    expect(unsafe.code).toBe(1);
    expect(unsafe.stdout).toContain(`${join(dir, '002_drop.sql')}:3:1: error [drop-column] users.email: the old version still selects or writes this column`);
    expect(unsafe.stdout).toMatch(/instead: stop reading and writing the column in the new version/);
    expect(unsafe.stdout).not.toContain('nickname');
  });

  it('exits 1 on a file that does not parse, pointing at the error; SARIF for code scanning', async () => {
    const dir = await sqlDir({ 'bad.sql': 'ALTER TABLE [Blogs] ADD [Rating] int NULL;\nGO\nALTER TABLE [Blogs] DROPP COLUMN [Url];\n' });
    const r = await runCli(['check-migrations', '--dialect', 'sqlserver', dir, '--format', 'sarif'], { cwd: dir });
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as Sarif;
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results).toEqual([expect.objectContaining({
      ruleId: 'parse-error', level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'bad.sql' }, region: { startLine: 3, startColumn: 27 } } }],
    })]);
    expect(log.runs[0]!.results[0]!.message.text).toMatch(/does not parse as sqlserver/);
  });

  it('a missing path is a user error that says what to pass', async () => {
    const r = await runCli(['check-migrations', join(tmpdir(), 'no-such-migrations-dir')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read .*no-such-migrations-dir: ENOENT; pass a \.sql file or a directory of them/);
  });

  it('as a gate in a running cutover process: the first step is blocked and `cutover status` says why', async () => {
    const migrations = await sqlDir({ '002_drop.sql': UNSAFE });
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const dir = await sqlDir({});
    const file = join(dir, 'cutover.yaml');
    await writeFile(file, stringify(testConfig([{
      name: 'shop', stable: [stable.url], canary: [canary.url],
      rollout: { ...FAST_ROLLOUT, gates: [{ migrations: { path: migrations, dialect: 'postgres', phase: 'expand' } }] },
    }], { stateFile: join(dir, 'state.json') }, dir)));
    const cli = spawnCli(['start', '-c', file]);
    const started = await cli.logLine((e) => e.msg === 'cutover started');
    const adminUrl = `http://127.0.0.1:${(started.admin as { port: number }).port}`;
    const route = await pollUntil(async () => {
      const r = await getRoute(adminUrl, 'shop');
      return r.phase === 'reverted' ? r : undefined;
    }, 'the migrations gate to revert');
    expect(route.weight).toBe(0);
    // The text view is cut to the terminal's width; --json carries the whole reason.
    const status = await runCli(['status', 'shop', '--json', '--admin', adminUrl]);
    expect(status.code).toBe(0);
    const shown = JSON.parse(status.stdout) as { rollout: { reason: string } };
    expect(shown.rollout.reason).toContain(`gate 1 of 1: migrations ${migrations} (postgres, expand): 1 unsafe finding(s): ${join(migrations, '002_drop.sql')}:3:1 drop-column: users.email`);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});
