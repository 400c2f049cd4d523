/**
 * Pre-rollout and pre-promotion gates: an HTTP check with an expected status, a command
 * whose exit code decides, or a migrations check (migrations-gate.ts). Each has a timeout; an abort (pause, abort, new revision) kills it.
 * The reason of a failure quotes what the gate said, because that is what the operator needs.
 */
import { spawn } from 'node:child_process';
import { request } from 'undici';
import type { GateConfig } from '../config/schema.js';
import { migrationsGate } from './migrations-gate.js';

export interface GateOutcome {
  passed: boolean;
  reason: string;
}

/** Output kept from a gate for the reason: enough to see the error, bounded for the state file. */
const OUTPUT_TAIL_CHARS = 300;

export async function runGates(gates: readonly GateConfig[], signal: AbortSignal): Promise<GateOutcome> {
  for (let i = 0; i < gates.length; i++) {
    const gate = gates[i]!;
    const outcome = 'http' in gate ? await httpGate(gate.http, signal)
      : 'migrations' in gate ? await migrationsGate(gate.migrations, signal)
        : await commandGate(gate.command, gate.timeout, signal);
    if (!outcome.passed) return { passed: false, reason: `gate ${i + 1} of ${gates.length}: ${outcome.reason}` };
  }
  return { passed: true, reason: `${gates.length === 1 ? 'the gate' : `all ${gates.length} gates`} passed` };
}

async function httpGate(gate: { url: string; expectStatus: number; timeout: number }, signal: AbortSignal): Promise<GateOutcome> {
  const what = `http GET ${gate.url}`;
  try {
    const res = await request(gate.url, {
      method: 'GET',
      signal: AbortSignal.any([signal, AbortSignal.timeout(gate.timeout)]),
      headersTimeout: gate.timeout,
      bodyTimeout: gate.timeout,
    });
    const body = tail(await res.body.text());
    if (res.statusCode === gate.expectStatus) return { passed: true, reason: `${what}: ${res.statusCode}` };
    return { passed: false, reason: `${what} answered ${res.statusCode}, expected ${gate.expectStatus}${body ? `: ${body}` : ''}` };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (signal.aborted) return { passed: false, reason: `${what}: cancelled` };
    const timedOut = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
    return { passed: false, reason: timedOut ? `${what}: no answer within ${gate.timeout} ms` : `${what} failed: ${e.code ?? e.name}: ${e.message}` };
  }
}

function commandGate(command: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<GateOutcome> {
  const what = `command ${JSON.stringify(command.join(' '))}`;
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const finish = (outcome: GateOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4 * OUTPUT_TAIL_CHARS);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ passed: false, reason: `${what} did not finish within ${timeoutMs} ms and was killed${describeOutput(output)}` });
    }, timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
      finish({ passed: false, reason: `${what}: cancelled` });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish({ passed: false, reason: `${what} could not start: ${err.code ?? ''} ${err.message}`.replace(/\s+/g, ' ') });
    });
    child.on('close', (code, sig) => {
      if (code === 0) finish({ passed: true, reason: `${what} exited 0` });
      else finish({ passed: false, reason: `${what} ${sig ? `was killed by ${sig}` : `exited ${code}`}${describeOutput(output)}` });
    });
  });
}

function describeOutput(output: string): string {
  const t = tail(output);
  return t ? `: ${t}` : '';
}

function tail(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > OUTPUT_TAIL_CHARS ? `…${t.slice(-OUTPUT_TAIL_CHARS)}` : t;
}
