/**
 * The state file: rollout progress per route, so a restart (even SIGKILL) resumes where it was.
 * Written atomically — temp file, fsync, rename, fsync of the directory — so a crash leaves
 * either the old file or the new one, never half of one.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { PHASES, type RolloutState } from './types.js';

export const STATE_FILE_VERSION = 1;

const phase = z.enum(PHASES as [RolloutState['phase'], ...RolloutState['phase'][]]);
const record = z.strictObject({
  at: z.number(), from: phase, to: phase, weight: z.number().min(0).max(100), step: z.number().int(), reason: z.string(),
});
const routeState = z.strictObject({
  phase,
  step: z.number().int().min(-1),
  weight: z.number().min(0).max(100),
  stepStartedAt: z.number(),
  identity: z.string().nullable(),
  revision: z.string().nullable(),
  automated: z.boolean(),
  configWeight: z.number().min(0).max(100).nullable(),
  reason: z.string().nullable(),
  gating: z.enum(['start', 'promote', 'afterPromotion']).nullable(),
  gateRun: z.number().int().min(0),
  history: z.array(record),
});
const fileSchema = z.strictObject({
  version: z.literal(STATE_FILE_VERSION),
  savedAt: z.string(),
  routes: z.record(z.string(), routeState),
});

/** One route's state as another process wrote it (the fleet store); null when it does not parse. */
export function parseRolloutState(data: unknown): RolloutState | null {
  const parsed = routeState.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export type StateFileRead =
  | { routes: Map<string, RolloutState>; problem: null }
  /** The file exists but cannot be trusted; `problem` says why in words an operator can act on. */
  | { routes: Map<string, RolloutState>; problem: string };

export async function readStateFile(path: string): Promise<StateFileRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { routes: new Map(), problem: null };
    return { routes: new Map(), problem: `cannot read ${path}: ${e.message}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { routes: new Map(), problem: `${path} is not valid JSON (${(err as Error).message})` };
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof data === 'object' && data !== null && version !== STATE_FILE_VERSION) {
    return { routes: new Map(), problem: `${path} has format version ${JSON.stringify(version)}; this cutover reads version ${STATE_FILE_VERSION}` };
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { routes: new Map(), problem: `${path} is malformed at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { routes: new Map(Object.entries(parsed.data.routes)), problem: null };
}

let tempCounter = 0;

/** Replaces the file atomically and durably; resolves once the rename is on disk. */
export async function writeStateFile(path: string, routes: ReadonlyMap<string, RolloutState>, now: number): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const body = { version: STATE_FILE_VERSION, savedAt: new Date(now).toISOString(), routes: Object.fromEntries(routes) };
  const temp = join(dir, `.${basename(path)}.${process.pid}.${tempCounter++}.tmp`);
  try {
    const file = await open(temp, 'w', 0o600);
    try {
      await file.writeFile(JSON.stringify(body, null, 2) + '\n');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  // The rename itself lives in the directory: sync it too, or a power cut can undo it.
  const d = await open(dir, 'r').catch(() => null);
  if (d) {
    await d.sync().catch(() => {});
    await d.close();
  }
}

/** Keeps an unusable file for inspection instead of overwriting it; returns where it went. */
export async function setAsideStateFile(path: string, now: number): Promise<string | null> {
  const aside = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(path, aside);
    return aside;
  } catch {
    return null;
  }
}
