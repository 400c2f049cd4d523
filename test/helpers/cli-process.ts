import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** The built CLI; `npm test` builds first, and running a single file needs `npm run build`. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first JSON log line (pino) for which `match` is true. */
  logLine(match: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/** Spawns `node dist/cli/main.js ...args`; killed when the test ends if still running. */
export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { match: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  const seen: Record<string, unknown>[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    out += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      seen.push(entry);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.match(entry)) waiters.splice(i, 1)[0]!.resolve(entry);
      }
    }
  });
  child.stderr!.on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const logLine = (match: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const found = seen.find(match);
    if (found) return Promise.resolve(found);
    // Fails fast, with the output, if the process exits before the line appears.
    return Promise.race([
      new Promise<Record<string, unknown>>((resolve) => waiters.push({ match, resolve })),
      exited.then((code) => {
        throw new Error(`cutover exited (${code}) before the expected log line.\nstdout:\n${out}\nstderr:\n${err}`);
      }),
    ]);
  };
  return { child, stdout: () => out, stderr: () => err, logLine, exited };
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = spawnCli(args, options);
  const code = await p.exited;
  // 'exit' can fire before the pipes are drained.
  if (!p.child.stdout!.readableEnded) await once(p.child.stdout!, 'end');
  if (!p.child.stderr!.readableEnded) await once(p.child.stderr!, 'end');
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
