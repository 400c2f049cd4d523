/**
 * In fleet mode a route's sticky cookie without `sticky.secret` is signed with one key for the
 * whole fleet, kept in the store (the first replica's random key wins, SET NX), so a cookie set by
 * one replica is valid on every other. Fetched once at start, before route tables are built.
 */
import { randomBytes } from 'node:crypto';
import type { CutoverConfig } from '../config/schema.js';
import { useProcessStickySecret } from '../routing/sticky.js';
import { fleetKeys } from './keys.js';
import { FleetRedis, redactRedisUrl } from './redis-store.js';
import { FLEET_START_TIMEOUT_MS } from './replica.js';

/** Returns a warning for the log when the fleet's key could not be had (this replica then signs alone). */
export async function adoptFleetStickySecret(config: CutoverConfig): Promise<string | null> {
  const fleet = config.fleet;
  if (!fleet || !config.routes.some((r) => r.sticky !== undefined && r.sticky.secret === undefined)) return null;
  const warning = `cannot fetch the fleet's sticky-cookie key from ${redactRedisUrl(fleet.redis)}: cookies this replica sets are valid only on it until it restarts with the store reachable; set sticky.secret to avoid depending on the store`;
  const redis = new FleetRedis(fleet.redis, fleetKeys(fleet.name));
  redis.client.on('error', () => {});
  redis.subscriber.on('error', () => {});
  try {
    if (!(await redis.connect(FLEET_START_TIMEOUT_MS))) return warning;
    const key = await redis.stickySecret(randomBytes(32).toString('hex'));
    if (key === null || !/^[0-9a-f]{64}$/.test(key)) return warning;
    useProcessStickySecret(Buffer.from(key, 'hex'));
    return null;
  } catch {
    return warning;
  } finally {
    await redis.close();
  }
}
