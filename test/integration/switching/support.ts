import { request } from 'undici';
import { TrafficWindow } from '../../../src/analysis/window.js';
import type { RouteState } from '../../../src/routing/route-state.js';
import type { TestCutover } from '../../helpers/servers.js';
export { freeLoopbackPort as freePort } from '../../../src/net.js';

/** The value of one Prometheus series, NaN when absent. */
export async function metric(cut: TestCutover, series: string): Promise<number> {
  const text = await (await request(cut.adminUrl + '/metrics')).body.text();
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}


/** New upstream connections over every pool of the app, whatever role the pool plays now. */
export function totalConnects(cut: TestCutover): number {
  let n = 0;
  for (const pool of cut.app.pools.all()) n += pool.connects;
  return n;
}

/**
 * Everything recorded into a route's analysis windows from now on, including
 * the windows the rollout controller drains on its ticks.
 */
export function tallyAnalysis(state: RouteState): () => TrafficWindow {
  const drained = new TrafficWindow();
  const drain = state.drainWindow.bind(state);
  state.drainWindow = () => {
    const w = drain();
    drained.addFrom(w);
    return w;
  };
  const start = new TrafficWindow();
  start.addFrom(state.window);
  return () => {
    const t = new TrafficWindow();
    t.addFrom(drained);
    t.addFrom(state.window);
    t.stable.requests -= start.stable.requests;
    t.stable.failures -= start.stable.failures;
    t.canary.requests -= start.canary.requests;
    t.canary.failures -= start.canary.failures;
    return t;
  };
}

export interface Answer { status: number; body: string; headers: Record<string, string | string[] | undefined> }

export async function send(url: string, options: Parameters<typeof request>[1] = {}): Promise<Answer> {
  const res = await request(url, options);
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
}
