import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { onTestFinished } from 'vitest';
import { freeLoopbackPort as freePort } from '../../src/net.js';
export { freeLoopbackPort as freePort } from '../../src/net.js';

export interface TestRedis {
  port: number;
  url: string;
  child: ChildProcess;
  /** Stops it (SIGKILL: a crash, not a clean shutdown); resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts a fresh one on the same port: without persistence, it comes back empty. */
  restart(): Promise<void>;
}


async function launch(port: number): Promise<ChildProcess> {
  // No RDB, no AOF: a restart is a Redis that lost everything.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`)));
  });
  child.stdout!.resume();
  return child;
}

/** A real redis-server on a free loopback port, killed when the test (or file, via onTestFinished in beforeAll callers) ends. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const r: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    child: await launch(port),
    async kill() {
      if (r.child.exitCode !== null || r.child.signalCode !== null) return;
      const exited = once(r.child, 'exit');
      r.child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await r.kill();
      r.child = await launch(port);
    },
  };
  onTestFinished(() => r.kill());
  return r;
}
