import { describe, expect, it } from 'vitest';
import { countsAsProven, provable, type ProvableEndpoint } from '../../../src/upstream/endpoint-health.js';

// Issue 15, item 3: an endpoint nobody has reached yet must not count as healthy for readiness.

const endpoint = (health: ProvableEndpoint['health'], warm: number, healthCheck: unknown = null): ProvableEndpoint => ({ health, warm, healthCheck });

describe('endpoint health for readiness', () => {
  it('unknown does not count while warm connections or health checks can prove it', () => {
    expect(countsAsProven(endpoint('unknown', 4))).toBe(false);
    expect(countsAsProven(endpoint('unknown', 0, { path: '/healthz' }))).toBe(false);
  });

  it('healthy counts, unhealthy never does', () => {
    expect(countsAsProven(endpoint('healthy', 4))).toBe(true);
    expect(countsAsProven(endpoint('unhealthy', 4))).toBe(false);
    expect(countsAsProven(endpoint('unhealthy', 0))).toBe(false);
  });

  it('with neither warm connections nor health checks, nothing could prove it: taken on trust', () => {
    expect(provable(endpoint('unknown', 0))).toBe(false);
    expect(countsAsProven(endpoint('unknown', 0))).toBe(true);
  });
});
