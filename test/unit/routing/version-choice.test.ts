import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { CutoverMetrics } from '../../../src/metrics/registry.js';
import { buildRouteTable } from '../../../src/routing/build.js';
import { RouteStates } from '../../../src/routing/route-state.js';
import { seededRandom } from '../../../src/routing/traffic-split.js';
import { decideVersion } from '../../../src/routing/version-choice.js';
import { PoolRegistry } from '../../../src/upstream/pool-registry.js';

const pools = new PoolRegistry();
afterEach(() => pools.closeAll());

function routeOf(extra: string, withCanary = true) {
  const yaml = `routes:\n  - name: shop\n    stable: { endpoints: [http://127.0.0.1:3001] }\n${withCanary ? '    canary: { endpoints: [http://127.0.0.1:3002] }\n' : ''}${extra}`;
  const { config } = parseConfigText(yaml, 't.yaml', {});
  return buildRouteTable(config, { pools, states: new RouteStates(), metrics: new CutoverMetrics({ defaultMetrics: false }) }, 1).table.routes[0]!;
}

describe('decideVersion: override header → weighted draw', () => {
  it('without a canary, always stable and analysed', () => {
    const route = routeOf('', false);
    expect(decideVersion(route, 'canary', true, () => 0)).toEqual({ version: 'stable', analysed: true });
  });

  it('the override forces a version and keeps the request out of the analysis', () => {
    const route = routeOf('    weight: 0\n    override: { header: X-Cutover-Version }\n');
    expect(decideVersion(route, 'canary', true, () => 0.99)).toEqual({ version: 'canary', analysed: false });
    expect(decideVersion(route, ' Stable ', true, () => 0)).toEqual({ version: 'stable', analysed: false });
  });

  it('an override from a client that is not allowed, or an unknown value, falls through to the draw', () => {
    const route = routeOf('    weight: 100\n    override: { header: x-v }\n');
    expect(decideVersion(route, 'stable', false, () => 0.5)).toEqual({ version: 'canary', analysed: true });
    expect(decideVersion(route, 'v2', true, () => 0.5)).toEqual({ version: 'canary', analysed: true });
  });

  it('reads the live weight from RouteState, so a change applies to the next request', () => {
    const route = routeOf('    weight: 0\n');
    const random = seededRandom(3);
    expect(decideVersion(route, undefined, false, random).version).toBe('stable');
    route.state.weight = 100;
    expect(decideVersion(route, undefined, false, random).version).toBe('canary');
  });
});
