/**
 * Steering on a replica that does not decide: the action goes to the store as a command, the
 * leader carries it out through its own controller and writes the result back, and the replica
 * answers the operator with that result. When no leader takes the command in time, it is
 * withdrawn, so "nothing changed" in the answer is true.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandResult } from '../rollout/controller.js';
import type { RolloutStoreHooks } from '../rollout/store.js';
import type { OperatorAction } from '../rollout/types.js';
import type { FleetRedis } from './redis-store.js';

export const COMMAND_ANSWER_TIMEOUT_MS = 3_000;
const COMMAND_POLL_MS = 50;
/** A leader takes at most this many queued commands per wake-up, so steering cannot starve its ticks. */
const COMMANDS_PER_WAKE = 20;
const ACTIONS: ReadonlySet<string> = new Set<OperatorAction>(['promote', 'abort', 'pause', 'resume', 'setWeight']);

interface QueuedCommand {
  id: string;
  route: string;
  action: OperatorAction;
  weight?: number;
  from: string;
}

const unreachable = (): CommandResult => ({
  ok: false,
  notPersisted: 'the fleet store (Redis) is unreachable, so this replica cannot reach the leader; retry once `cutover status` shows the store up, or steer on the leader',
});

/** On a follower: queue the action for the leader and wait for its answer. */
export async function forwardCommand(redis: FleetRedis, from: string, route: string, action: OperatorAction, weight: number | undefined, monoNow: () => number): Promise<CommandResult> {
  const command: QueuedCommand = { id: randomUUID(), route, action, from, ...(weight !== undefined ? { weight } : {}) };
  const json = JSON.stringify(command);
  try {
    await redis.pushCommand(json);
  } catch {
    return unreachable();
  }
  let deadline = monoNow() + COMMAND_ANSWER_TIMEOUT_MS;
  let withdrawn = false;
  for (;;) {
    await sleep(COMMAND_POLL_MS);
    const raw = await redis.getResult(command.id).catch(() => null);
    if (raw !== null) return parseResult(raw);
    if (monoNow() < deadline) continue;
    if (withdrawn) break;
    // Taken back unread: nothing changed. Already taken by a leader: its answer is on the way.
    const removed = await redis.withdrawCommand(json).catch(() => -1);
    if (removed !== 0) {
      return {
        ok: false,
        notPersisted: `no fleet leader took the command within ${COMMAND_ANSWER_TIMEOUT_MS / 1000}s (\`cutover status\` shows the replicas and the leader)`,
      };
    }
    withdrawn = true;
    deadline = monoNow() + COMMAND_ANSWER_TIMEOUT_MS;
  }
  return { ok: false, notPersisted: 'the fleet leader took the command but did not answer; `cutover status` shows whether it took effect' };
}

function parseResult(raw: string): CommandResult {
  try {
    const r = JSON.parse(raw) as CommandResult;
    if (typeof r === 'object' && r !== null && typeof r.ok === 'boolean') return r;
  } catch {
    // fall through
  }
  return { ok: false, notPersisted: 'the fleet leader sent an answer this replica cannot read (another build?)' };
}

/** On the leader: carry out the queued commands through the controller and answer each. */
export async function serveCommands(redis: FleetRedis, hooks: RolloutStoreHooks): Promise<number> {
  let served = 0;
  for (; served < COMMANDS_PER_WAKE; served++) {
    const raw = await redis.popCommand();
    if (raw === null) break;
    let c: QueuedCommand;
    try {
      c = JSON.parse(raw) as QueuedCommand;
      if (typeof c.id !== 'string' || typeof c.route !== 'string' || !ACTIONS.has(c.action)) continue;
    } catch {
      continue;
    }
    const result = await hooks.command(c.route, c.action, c.weight);
    await redis.putResult(c.id, JSON.stringify(result));
  }
  return served;
}
