import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { CutoverMetrics } from '../../../src/metrics/registry.js';
import { buildRouteTable } from '../../../src/routing/build.js';
import { RouteStates } from '../../../src/routing/route-state.js';
import { PoolRegistry } from '../../../src/upstream/pool-registry.js';

const pools = new PoolRegistry();
afterEach(() => pools.closeAll());

function tableOf(routes: string) {
  const { config } = parseConfigText(`routes:\n${routes}`, 'test.yaml', {});
  return buildRouteTable(config, { pools, states: new RouteStates(), metrics: new CutoverMetrics({ defaultMetrics: false }) }, 1).table;
}

const route = (name: string, match: string, port = 3001): string =>
  `  - name: ${name}\n    match: ${match}\n    stable: { endpoints: [http://127.0.0.1:${port}] }\n`;

describe('RouteTable.match', () => {
  const table = tableOf(
    route('api', '{ host: shop.example.com, pathPrefix: /api }') +
    route('shop', '{ host: shop.example.com }') +
    route('wild', '{ host: "*.example.com", pathPrefix: /static }') +
    route('docs', '{ pathPrefix: /docs }'),
  );
  const name = (host: string | undefined, path: string): string | null => table.match(host, path)?.name ?? null;

  it('first match wins', () => {
    expect(name('shop.example.com', '/api/cart')).toBe('api');
    expect(name('shop.example.com', '/cart')).toBe('shop');
    expect(name('shop.example.com', '/docs')).toBe('shop');
  });

  it('matches host case-insensitively and ignores the Host port', () => {
    expect(name('SHOP.example.com:8080', '/api')).toBe('api');
  });

  it('a wildcard host with a path prefix', () => {
    expect(name('cdn.example.com', '/static/app.js')).toBe('wild');
    expect(name('cdn.example.com', '/other')).toBeNull();
  });

  it('a route without a host matches any host, and no Host at all', () => {
    expect(name('anything.test', '/docs/x')).toBe('docs');
    expect(name(undefined, '/docs')).toBe('docs');
  });

  it('a route with a host never matches a request without one', () => {
    expect(name(undefined, '/api')).toBeNull();
  });

  it('null (404) when nothing matches', () => {
    expect(name('other.test', '/')).toBeNull();
    expect(name('example.com', '/static')).toBeNull();
  });

  it('the path prefix is compared before the query string, case-sensitively', () => {
    expect(name('shop.example.com', '/api?x=1')).toBe('api');
    expect(name('x.test', '/DOCS')).toBeNull();
  });

  it('byName finds a route', () => {
    expect(table.byName('wild')?.name).toBe('wild');
    expect(table.byName('nope')).toBeUndefined();
    expect(table.generation).toBe(1);
  });
});

describe('buildRouteTable', () => {
  it('keeps a pool whose origin and options are unchanged, and retires the rest', () => {
    const metrics = new CutoverMetrics({ defaultMetrics: false });
    const states = new RouteStates();
    const build = (yaml: string, gen: number) => buildRouteTable(parseConfigText(`routes:\n${yaml}`, 't.yaml', {}).config, { pools, states, metrics }, gen);
    const first = build(route('a', '{ pathPrefix: /a }', 3001) + route('b', '{ pathPrefix: /b }', 3002), 1);
    const poolA = first.table.byName('a')!.stable.endpoints.pools[0]!;
    const poolB = first.table.byName('b')!.stable.endpoints.pools[0]!;
    const second = build(route('a', '{ pathPrefix: /a }', 3001) + route('b', '{ pathPrefix: /b }', 3003), 2);
    expect(second.table.byName('a')!.stable.endpoints.pools[0]).toBe(poolA);
    expect(second.retired).toEqual([poolB]);
    expect(second.table.byName('a')!.state).toBe(first.table.byName('a')!.state);
  });
});
