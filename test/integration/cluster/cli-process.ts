import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';

const MAIN = join(import.meta.dirname, '../../../dist/cli/main.js');

export interface LogLine { msg?: string; [key: string]: unknown }

/** The built CLI as a child process, with its JSON log lines to wait on. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stderr!.resume();
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
    });
    onTestFinished(async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGKILL');
        await once(this.child, 'exit');
      }
    });
  }

  /** Resolves with the first line (already seen or yet to come) that passes `test`; rejects after `timeoutMs`. */
  waitFor(test: (l: LogLine) => boolean, what: string, timeoutMs = 10_000, skip = 0): Promise<LogLine> {
    const seen = this.lines.slice(skip).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; log so far:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
      this.waiters.push({ test, resolve: (l) => { clearTimeout(timer); resolve(l); } });
    });
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }
}

/** One GET on a fresh connection (cluster hands each connection to the next worker in turn). */
export function getFresh(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function getText(url: string): Promise<string> {
  return (await getFresh(url)).body;
}

/** Retries `probe` until it returns true, a bounded number of times; for state kept in another process. */
export async function eventually(probe: () => Promise<boolean>, what: string, tries = 100, everyMs = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`never happened: ${what}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
