import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStateFile, setAsideStateFile, writeStateFile } from '../../../src/rollout/state-file.js';
import { initialRolloutState } from '../../../src/rollout/transition.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutover-state-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('state file', () => {
  it('round-trips, creating the directory, and leaves no temp file behind', async () => {
    const file = join(dir, 'nested', 'state.json');
    const s = { ...initialRolloutState(5), phase: 'progressing' as const, step: 1, weight: 50, identity: 'x', automated: true };
    await writeStateFile(file, new Map([['shop', s]]), 0);
    const read = await readStateFile(file);
    expect(read.problem).toBeNull();
    expect(read.routes.get('shop')).toEqual(s);
    expect(await readdir(join(dir, 'nested'))).toEqual(['state.json']);
  });

  it('a missing file is a fresh start, not a problem', async () => {
    expect(await readStateFile(join(dir, 'none.json'))).toEqual({ routes: new Map(), problem: null });
  });

  it.each([
    ['not JSON', '{"version": 1, "rout', /is not valid JSON/],
    ['another format version', '{"version": 2, "savedAt": "", "routes": {}}', /has format version 2; this cutover reads version 1/],
    ['a bad field', '{"version": 1, "savedAt": "", "routes": {"shop": {"phase": "flying"}}}', /is malformed at routes\.shop\.phase/],
  ])('reports %s clearly', async (_what, text, message) => {
    const file = join(dir, 'state.json');
    await writeFile(file, text);
    const read = await readStateFile(file);
    expect(read.problem).toMatch(message);
    expect(read.routes.size).toBe(0);
  });

  it('sets an unusable file aside instead of overwriting it', async () => {
    const file = join(dir, 'state.json');
    await writeFile(file, 'garbage');
    const aside = await setAsideStateFile(file, 0);
    expect(aside).toMatch(/state\.json\.corrupt-1970-01-01T00-00-00-000Z$/);
    expect(await readFile(aside!, 'utf8')).toBe('garbage');
  });
});
