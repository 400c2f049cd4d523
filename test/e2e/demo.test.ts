// `cutover demo` end to end, as a newcomer runs it: the built CLI, a real rollout, its summary.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

async function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Resolves true when something still listens on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(!existsSync(CLI))('cutover demo (needs npm run build)', () => {
  it('walks a healthy canary through every step to promotion, prints the summary and leaves nothing running', async () => {
    const { code, stdout, stderr } = await runDemo(['--duration', '40', '--rate', '600']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/cutover demo: dashboard at http:\/\/127\.0\.0\.1:\d+\//);
    expect(stdout).toContain('the canary was promoted');
    expect(stdout).toContain('final phase promoted, canary weight 100 %');
    for (const step of ['1/4 (10%)', '2/4 (25%)', '3/4 (50%)']) expect(stdout).toContain(`step ${step} passed`);
    expect(stdout).toMatch(/load: [\d,]+ requests sent, [\d,]+ answered, 0 without an answer/);
    // Logs went to the demo's temp dir, not the terminal.
    expect(stdout).not.toContain('"level"');
    const port = Number(/dashboard at http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)![1]);
    expect(await listening(port)).toBe(false);
  }, 60_000);

  it('--fleet 2 --bad-canary: two replicas on a Redis the demo starts revert together, and nothing is left running', async () => {
    const { code, stdout, stderr } = await runDemo(['--fleet', '2', '--bad-canary', '--duration', '30', '--rate', '800']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('the canary was reverted');
    expect(stdout).toMatch(/replicas: replica-1 \(leader\) progressing 10 %, replica-2 progressing 10 %/);
    const port = Number(/dashboard at http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)![1]);
    expect(await listening(port)).toBe(false);
  }, 60_000);

  it('--fleet rejects a count it cannot run, and --redis without --fleet', async () => {
    expect((await runDemo(['--fleet', '1'])).stderr).toMatch(/--fleet 1: give the number of replicas, a whole number from 2 to 9/);
    expect((await runDemo(['--redis', 'redis://127.0.0.1:1'])).stderr).toMatch(/--redis only applies with --fleet N/);
  });
});
