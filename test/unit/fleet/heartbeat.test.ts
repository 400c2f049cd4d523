import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { configDisagreement, liveWindowMs, parseHeartbeats, routeConfigHash } from '../../../src/fleet/heartbeat.js';

const config = (extra: string, route = ''): ReturnType<typeof parseConfigText>['config'] => parseConfigText(
  `${extra}routes:\n  - name: shop\n    stable: { endpoints: [http://127.0.0.1:3001] }\n    canary: { endpoints: [http://127.0.0.1:3002] }\n${route}`, 'f.yaml', {}).config;

describe('route config hash', () => {
  it('changes with what a rollout depends on, not with listeners, limits or sticky secrets', () => {
    const base = routeConfigHash(config(''));
    expect(routeConfigHash(config('listen: 127.0.0.1:9999\nlimits: { maxConnections: 5 }\n'))).toBe(base);
    expect(routeConfigHash(config('', '    weight: 5\n'))).not.toBe(base);
    expect(routeConfigHash(config('', '    rollout: { steps: [5, 100] }\n'))).not.toBe(routeConfigHash(config('', '    rollout: { steps: [10, 100] }\n')));
    const sticky = (secret: string) => routeConfigHash(config('', `    sticky: { cookie: c, secret: ${secret} }\n`));
    expect(sticky('0123456789abcdef0')).toBe(sticky('fedcba98765432100'));
  });
});

describe('heartbeats', () => {
  it('names the live replicas whose config differs; the gone and the agreeing are not', () => {
    const now = 100_000;
    const hb = parseHeartbeats({
      a: JSON.stringify({ at: now - 500, configHash: 'h1', leader: true, weights: { shop: 10 }, requestsPerSecond: 5 }),
      b: JSON.stringify({ at: now - 500, configHash: 'h2' }),
      old: JSON.stringify({ at: now - 60_000, configHash: 'h3' }),
      broken: 'not json',
    });
    expect(hb.map((h) => h.id)).toEqual(['a', 'b', 'old']);
    expect(configDisagreement(hb, 'h1', now, liveWindowMs(1_000))).toMatch(/^replica b \(h2\) runs a different route config than the leader \(h1\)/);
    expect(configDisagreement(hb.filter((h) => h.id !== 'b'), 'h1', now, liveWindowMs(1_000))).toBeNull();
  });
});
