import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../helpers/cli-process.js';
import { startCutover, startUpstream, testConfig } from '../helpers/servers.js';
import { FAST_ROLLOUT, getRoute } from '../integration/rollout/load.js';

const TOKEN = 'e2e-token-0123456789';

/** A cwd without config/cutover.yaml and an env without the token, so only the flags count. */
async function isolated(): Promise<{ cwd: string; env: NodeJS.ProcessEnv }> {
  const cwd = await mkdtemp(join(tmpdir(), 'cutover-cli-'));
  onTestFinished(() => rm(cwd, { recursive: true, force: true }));
  return { cwd, env: { CUTOVER_ADMIN_TOKEN: undefined } };
}

async function running() {
  const stable = await startUpstream('v1');
  const canary = await startUpstream('v2');
  const dir = await mkdtemp(join(tmpdir(), 'cutover-cli-state-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], rollout: { ...FAST_ROLLOUT, minStepDuration: '1h', maxStepDuration: '2h' } }],
    { stateFile: join(dir, 'state.json'), admin: { listen: '127.0.0.1:0', token: TOKEN } }));
}

describe('rollout commands (built CLI)', () => {
  it('status --json prints the admin API JSON, status renders the step bar', async () => {
    const cut = await running();
    const opts = await isolated();
    const json = await runCli(['status', '--json', '--admin', cut.adminUrl], opts);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { routes: { name: string; phase: string; rollout: { steps: number[] } }[] };
    expect(body.routes[0]).toMatchObject({ name: 'shop', phase: 'progressing', rollout: { steps: [10, 50, 100] } });
    const text = await runCli(['status', 'shop', '--admin', cut.adminUrl], opts);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('shop  progressing  canary 10%');
    expect(text.stdout).toContain('[■□□] step 1/3 10%');
  });

  it('abort reverts with the token, and is a user error (exit 1) without it or when it makes no sense', async () => {
    const cut = await running();
    const opts = await isolated();
    const denied = await runCli(['abort', 'shop', '--admin', cut.adminUrl], opts);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/Bearer <token>.*Pass --token or set CUTOVER_ADMIN_TOKEN/);
    expect((await getRoute(cut.adminUrl, 'shop')).phase).toBe('progressing');

    const ok = await runCli(['abort', 'shop', '--admin', cut.adminUrl, '--token', TOKEN], opts);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('shop: reverted at 0% (aborted by the operator)\n');
    expect((await getRoute(cut.adminUrl, 'shop')).phase).toBe('reverted');

    const again = await runCli(['abort', 'shop', '--admin', cut.adminUrl], { ...opts, env: { CUTOVER_ADMIN_TOKEN: TOKEN } });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already reverted/);
    const unknown = await runCli(['weight', 'nope', '5', '--admin', cut.adminUrl, '--token', TOKEN], opts);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no route named "nope"; `cutover status` lists them/);
  });

  it('exits 2 naming the URL when the admin API cannot be reached', async () => {
    const down = await startUpstream('gone');
    const url = down.url;
    await down.close();
    const r = await runCli(['status', '--admin', url], await isolated());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot reach the admin API at ${url}`);
  });
});
