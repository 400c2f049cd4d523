/**
 * A route's shared rollout state as it sits in Redis: the state-file's own per-route shape, with
 * the fence of the term that wrote it. Parsing validates it the way the state file is validated,
 * since a replica on another build must not corrupt a rollout. Pure.
 */
import { parseRolloutState } from '../rollout/state-file.js';
import type { RolloutState } from '../rollout/types.js';

export function encodeStoredState(fence: number, state: RolloutState): string {
  return JSON.stringify({ fence, state });
}

/** The state and its fence, or null when it does not parse. */
export function decodeStoredState(json: string): { fence: number; state: RolloutState } | null {
  try {
    const stored = JSON.parse(json) as { fence?: unknown; state?: unknown };
    const state = parseRolloutState(stored.state);
    if (state && typeof stored.fence === 'number') return { fence: stored.fence, state };
  } catch {
    // not JSON
  }
  return null;
}
