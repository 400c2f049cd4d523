/**
 * The fleet's Redis, through ioredis: one connection for commands, one for pub/sub. Nothing here
 * is ever on the request path. A dead or slow Redis fails a call fast instead of queueing it
 * (enableOfflineQueue off, a command timeout), and the client reconnects on its own, forever,
 * at most a second apart.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { FleetKeys } from './keys.js';
import { CAS_STATE_SCRIPT, LEASE_SCRIPT, RELEASE_SCRIPT } from './scripts.js';

export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
const MAX_RECONNECT_DELAY_MS = 1_000;
/** Traffic windows are read within seconds; older ones only cost memory. */
export const WINDOW_SLOT_TTL_MS = 30_000;
export const COMMAND_RESULT_TTL_MS = 10_000;

interface FleetCommands {
  cutoverLease(lease: string, fence: string, replica: string, ttlMs: number, floor: number): Promise<[number, number, string]>;
  cutoverCasState(lease: string, states: string, token: string, route: string, json: string, channel: string): Promise<number>;
  cutoverRelease(lease: string, token: string): Promise<number>;
}

export interface TickReply {
  replicas: Record<string, string>;
  states: Record<string, string>;
}

/** The URL without its password, for logs and the API. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparsable)';
  }
}

export class FleetRedis {
  readonly client: Redis;
  readonly subscriber: Redis;
  private readonly commands: FleetCommands;

  constructor(url: string, readonly keys: FleetKeys) {
    const options: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: REDIS_COMMAND_TIMEOUT_MS,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (times) => Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(times, 5)),
    };
    this.client = new Redis(url, options);
    // The subscriber may queue its SUBSCRIBE until connected: it is re-sent on every reconnect.
    this.subscriber = new Redis(url, { ...options, enableOfflineQueue: true, commandTimeout: undefined });
    this.client.defineCommand('cutoverLease', { numberOfKeys: 2, lua: LEASE_SCRIPT });
    this.client.defineCommand('cutoverCasState', { numberOfKeys: 2, lua: CAS_STATE_SCRIPT });
    this.client.defineCommand('cutoverRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.commands = this.client as unknown as FleetCommands;
  }

  /** Resolves once connected or after `timeoutMs`; never rejects (the client keeps retrying). */
  async connect(timeoutMs: number): Promise<boolean> {
    const attempt = (c: Redis): Promise<boolean> => c.connect().then(() => true, () => false);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    const up = await Promise.race([attempt(this.client), deadline]);
    clearTimeout(timer);
    void attempt(this.subscriber);
    return up;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  lease(replica: string, ttlMs: number, floor: number): Promise<[number, number, string]> {
    return this.commands.cutoverLease(this.keys.lease, this.keys.fence, replica, ttlMs, floor);
  }

  release(token: string): Promise<number> {
    return this.commands.cutoverRelease(this.keys.lease, token);
  }

  async casState(token: string, route: string, json: string): Promise<boolean> {
    return (await this.commands.cutoverCasState(this.keys.lease, this.keys.states, token, route, json, this.keys.channel)) === 1;
  }

  readStates(): Promise<Record<string, string>> {
    return this.client.hgetall(this.keys.states);
  }

  /**
   * Every half second, one round trip: this replica's window slot out; once a second also its
   * heartbeat out and the replica list and states in (null on the other half).
   */
  async tick(replica: string, slot: number, slotJson: string, heartbeatJson: string | null): Promise<TickReply | null> {
    const key = this.keys.slot(slot);
    const pipeline = this.client.pipeline().hset(key, replica, slotJson).pexpire(key, WINDOW_SLOT_TTL_MS);
    if (heartbeatJson !== null) pipeline.hset(this.keys.replicas, replica, heartbeatJson).hgetall(this.keys.replicas).hgetall(this.keys.states);
    const out = await pipeline.exec();
    if (!out) throw new Error('pipeline discarded');
    for (const [err] of out) if (err) throw err;
    if (heartbeatJson === null) return null;
    return { replicas: out[3]![1] as Record<string, string>, states: out[4]![1] as Record<string, string> };
  }

  readSlot(slot: number): Promise<Record<string, string>> {
    return this.client.hgetall(this.keys.slot(slot));
  }

  forgetReplicas(ids: string[]): Promise<number> {
    return ids.length > 0 ? this.client.hdel(this.keys.replicas, ...ids) : Promise.resolve(0);
  }

  async pushCommand(json: string): Promise<void> {
    await this.client.pipeline().rpush(this.keys.commands, json).pexpire(this.keys.commands, COMMAND_RESULT_TTL_MS)
      .publish(this.keys.channel, 'command').exec();
  }

  /** Takes a queued command back; 0 when a leader already took it. */
  withdrawCommand(json: string): Promise<number> {
    return this.client.lrem(this.keys.commands, 1, json);
  }

  popCommand(): Promise<string | null> {
    return this.client.lpop(this.keys.commands);
  }

  async putResult(id: string, json: string): Promise<void> {
    await this.client.set(this.keys.result(id), json, 'PX', COMMAND_RESULT_TTL_MS);
  }

  getResult(id: string): Promise<string | null> {
    return this.client.get(this.keys.result(id));
  }

  /** One key for every replica's sticky cookies: the first replica's random one wins. */
  async stickySecret(candidate: string): Promise<string | null> {
    const out = await this.client.pipeline().set(this.keys.sticky, candidate, 'NX').get(this.keys.sticky).exec();
    const value = out?.[1]?.[1];
    return typeof value === 'string' ? value : null;
  }

  async close(): Promise<void> {
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}
