/**
 * The two writes that must be atomic, as Lua run by Redis (ioredis defineCommand → EVALSHA).
 * The lease value is `replica|fence`; the fence only ever grows, also across a Redis that lost
 * its data, because the acquiring replica passes the highest fence it has seen.
 */

/** KEYS: lease, fence. ARGV: replica, ttl ms, highest fence seen. Returns {granted 0|1, fence, holder}. */
export const LEASE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local holder, fence = string.match(current, '^(.*)|(%d+)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, tonumber(fence), holder}
  end
  return {0, tonumber(fence or '0'), holder or current}
end
local fence = tonumber(redis.call('GET', KEYS[2]) or '0')
local floor = tonumber(ARGV[3])
if fence < floor then fence = floor end
fence = fence + 1
if redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[2], fence)
  return {1, fence, ARGV[1]}
end
return {0, 0, ''}
`;

/**
 * The fenced compare-and-set of one route's state. KEYS: lease, states. ARGV: lease token,
 * route, state JSON, channel. Returns 1 when written, 0 when the token is not the lease's (a
 * deposed leader: its write never lands).
 */
export const CAS_STATE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], 'state')
return 1
`;

/** KEYS: lease. ARGV: lease token. Deletes the lease only if it is still ours (graceful stop). */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
