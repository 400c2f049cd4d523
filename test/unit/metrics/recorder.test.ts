import { describe, expect, it } from 'vitest';
import { CutoverMetrics } from '../../../src/metrics/registry.js';
import { VersionRecorder } from '../../../src/metrics/recorder.js';
import { RouteState } from '../../../src/routing/route-state.js';

async function scrape(metrics: CutoverMetrics): Promise<string> {
  return metrics.registry.metrics();
}

describe('CutoverMetrics', () => {
  it('registers every DESIGN.md metric of this stage in its own registry', async () => {
    const a = new CutoverMetrics({ defaultMetrics: false });
    const b = new CutoverMetrics({ defaultMetrics: false });
    expect(a.registry).not.toBe(b.registry);
    const text = await scrape(a);
    for (const name of ['cutover_requests_total', 'cutover_request_duration_seconds', 'cutover_upstream_errors_total', 'cutover_retries_total',
      'cutover_canary_weight', 'cutover_upstream_connections', 'cutover_upstream_connects_total', 'cutover_config_reloads_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('cutover_config_reloads_total{result="success"} 0');
    expect(text).toContain('cutover_config_reloads_total{result="failure"} 0');
  });

  it('includes the default process metrics unless told not to', async () => {
    expect(await scrape(new CutoverMetrics())).toContain('process_cpu_user_seconds_total');
    expect(await scrape(new CutoverMetrics({ defaultMetrics: false }))).not.toContain('process_cpu_user_seconds_total');
  });

  it('reads the gauges from their sources at scrape time', async () => {
    const metrics = new CutoverMetrics({ defaultMetrics: false });
    let weight = 5;
    metrics.setGaugeSources({
      routeWeights: () => [{ route: 'shop', weight }],
      upstreamConnections: () => [{ route: 'shop', version: 'canary', active: 2, idle: 3 }],
      healthyEndpoints: () => [{ route: 'shop', version: 'stable', healthy: 0 }],
    });
    expect(await scrape(metrics)).toContain('cutover_canary_weight{route="shop"} 5');
    weight = 0.5;
    const text = await scrape(metrics);
    expect(text).toContain('cutover_canary_weight{route="shop"} 0.5');
    expect(text).toContain('cutover_upstream_connections{route="shop",version="canary",state="active"} 2');
    expect(text).toContain('cutover_upstream_connections{route="shop",version="canary",state="idle"} 3');
    expect(text).toContain('cutover_upstream_healthy_endpoints{route="shop",version="stable"} 0');
  });
});

describe('VersionRecorder', () => {
  it('counts by code, exposes 200 at zero before the first request, and fills the analysis window', async () => {
    const metrics = new CutoverMetrics({ defaultMetrics: false });
    const state = new RouteState('shop', 10);
    const recorder = new VersionRecorder(metrics, 'shop', 'canary', state);
    expect(await scrape(metrics)).toContain('cutover_requests_total{route="shop",version="canary",code="200"} 0');

    recorder.record(200, 12, false, true);
    recorder.record(503, 3, true, true);
    recorder.record(200, 1, false, false); // forced by the override header: Prometheus yes, analysis no
    const text = await scrape(metrics);
    expect(text).toContain('cutover_requests_total{route="shop",version="canary",code="200"} 2');
    expect(text).toContain('cutover_requests_total{route="shop",version="canary",code="503"} 1');
    expect(text).toContain('cutover_request_duration_seconds_count{route="shop",version="canary"} 3');
    expect(recorder.requests).toBe(3);
    expect(recorder.failures).toBe(1);
    expect(state.window.canary.requests).toBe(2);
    expect(state.window.canary.failures).toBe(1);
    expect(state.window.stable.requests).toBe(0);
  });

  it('counts upstream failures by kind and connects', async () => {
    const metrics = new CutoverMetrics({ defaultMetrics: false });
    const recorder = new VersionRecorder(metrics, 'shop', 'stable', new RouteState('shop', 0));
    recorder.upstreamFailure('timeout');
    recorder.upstreamFailure('connect');
    recorder.upstreamFailure('connect');
    recorder.connects.inc();
    const text = await scrape(metrics);
    expect(text).toContain('cutover_upstream_errors_total{route="shop",version="stable",kind="connect"} 2');
    expect(text).toContain('cutover_upstream_errors_total{route="shop",version="stable",kind="timeout"} 1');
    expect(text).toContain('cutover_upstream_errors_total{route="shop",version="stable",kind="reset"} 0');
    expect(text).toContain('cutover_upstream_connects_total{route="shop",version="stable"} 1');
  });

  it('an out-of-range status code does not break the recorder', async () => {
    const metrics = new CutoverMetrics({ defaultMetrics: false });
    const recorder = new VersionRecorder(metrics, 'shop', 'stable', new RouteState('shop', 0));
    recorder.record(999, 1, true, false);
    expect(await scrape(metrics)).toContain('code="999"} 1');
  });

  it('exposes exactly what per-request prom-client calls would, scrape after scrape (counts are folded in at scrape time)', async () => {
    // Durations of k/1024 s keep every sum exact, so the two texts can be compared byte for byte.
    const requests: [string, 'stable' | 'canary', number, number][] = [
      ['shop', 'canary', 200, 3], ['shop', 'stable', 503, 40], ['shop', 'canary', 404, 1], ['shop', 'stable', 200, 2_000_000],
      ['shop', 'canary', 200, 100], ['cart', 'stable', 200, 7], ['shop', 'stable', 503, 1], ['shop', 'canary', 599, 50_000], ['shop', 'canary', 999, 1],
    ];
    const folded = new CutoverMetrics({ defaultMetrics: false });
    const direct = new CutoverMetrics({ defaultMetrics: false });
    const states = new Map<string, RouteState>();
    const recorders = new Map<string, VersionRecorder>();
    const recorderOf = (route: string, version: 'stable' | 'canary'): VersionRecorder => {
      const key = `${route}/${version}`;
      let r = recorders.get(key);
      if (!r) {
        if (!states.has(route)) states.set(route, new RouteState(route, 10));
        r = new VersionRecorder(folded, route, version, states.get(route)!);
        recorders.set(key, r);
        direct.requests.labels(route, version, '200').inc(0);
      }
      return r;
    };
    const play = (slice: typeof requests): void => {
      for (const [route, version, code, k] of slice) {
        recorderOf(route, version).record(code, (k * 1000) / 1024, code >= 500, true);
        direct.requests.labels(route, version, String(code)).inc();
        direct.duration.labels(route, version).observe(k / 1024);
      }
    };
    const text = async (m: CutoverMetrics): Promise<string> => (await m.registry.metrics()).split('\n').filter((l) => /cutover_(requests_total|request_duration)/.test(l)).join('\n');
    play(requests.slice(0, 4));
    expect(await text(folded)).toBe(await text(direct));
    play(requests.slice(4));
    play(requests);
    expect(await text(folded)).toBe(await text(direct));
    // What a worker sends the primary: metric.get() folds too.
    expect(await folded.duration.get()).toEqual(await direct.duration.get());
    expect(await folded.requests.get()).toEqual(await direct.requests.get());
    // A reset histogram (or counter) is recreated on the next fold rather than losing the counts.
    folded.duration.reset();
    direct.duration.reset();
    folded.requests.reset();
    direct.requests.reset();
    play(requests.slice(0, 2));
    const f = await text(folded);
    expect(f).toContain('cutover_request_duration_seconds_count{route="shop",version="stable"} 1');
    expect(f).toContain('cutover_requests_total{route="shop",version="stable",code="503"} 1');
  });
});

