import { describeStep, formatCount, formatMs, formatPercent, type ApiRoute, type ApiTransition } from '../admin/dashboard-model.js';
import type { DemoReplicaRow } from './fleet.js';
import type { ClientStats } from './load.js';

/** Everything one frame of the demo's terminal view shows; rendering is a pure function of it. */
export interface DemoFrame {
  route: ApiRoute | null;
  client: ClientStats;
  elapsedMs: number;
  limitMs: number;
  dashboardUrl: string;
  badCanary: boolean;
  /** `--fleet N`: each replica as this process sees it (the same weight everywhere is the point). */
  fleet?: DemoReplicaRow[];
}

export interface RenderOptions { width?: number; color?: boolean }

/** How the demo ended; `limit` = the time limit came first, `interrupted` = Ctrl-C. */
export type DemoEnd = 'promoted' | 'reverted' | 'limit' | 'interrupted' | 'load-done';

const RECENT_DECISIONS = 6;
const BAR_WIDTH = 30;

const paint = (on: boolean, code: string, text: string): string => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

function phaseColor(phase: string): string {
  switch (phase) {
    case 'promoted': return '32';
    case 'reverted': return '31';
    case 'paused': return '33';
    case 'progressing': return '36';
    default: return '0';
  }
}

/** A 0–100 % bar with the rollout's steps marked, e.g. [██████▏░░░░░░] 25 %. */
export function progressBar(weight: number, steps: readonly number[], width = BAR_WIDTH): string {
  const filled = Math.round((Math.max(0, Math.min(100, weight)) / 100) * width);
  const cells: string[] = Array.from({ length: width }, (_, i) => (i < filled ? '█' : '░'));
  for (const s of steps) {
    const at = Math.min(width - 1, Math.round((s / 100) * width) - 1);
    if (at >= filled && at >= 0) cells[at] = '┊';
  }
  return `[${cells.join('')}] ${weight} %`;
}

function clip(line: string, width: number): string {
  // Counts code points, not bytes: the bar and arrows are one column each.
  const chars = [...line];
  return chars.length > width ? chars.slice(0, width - 1).join('') + '…' : line;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function versionLine(route: ApiRoute, frame: DemoFrame, version: 'stable' | 'canary'): string {
  const label = version === 'stable' ? 'stable v1' : 'canary v2';
  const v = version === 'stable' ? route.stable : route.canary;
  if (!v) return `  ${label}  –`;
  const live = version === 'stable' ? route.live?.stable : route.live?.canary ?? undefined;
  const client = frame.client[version];
  const rps = live ? live.rps : client.rps;
  const errorRate = live ? live.errorRate : v.errorRate;
  const p99 = live ? live.p99Ms : client.p99Ms;
  return `  ${label}  ${formatCount(v.requests).padStart(7)} req  ${rps.toFixed(0).padStart(4)} req/s  errors ${formatPercent(errorRate).padStart(8)}  p99 ${formatMs(p99).padStart(7)}`;
}

function decisionLine(t: ApiTransition, startedAt: number | undefined): string {
  const at = Date.parse(t.at);
  const when = startedAt !== undefined && Number.isFinite(at) ? `+${seconds(Math.max(0, at - startedAt))}`.padStart(7) : t.at.slice(11, 19);
  return `  ${when}  ${t.from} → ${t.to} at ${t.weight} %: ${t.reason}`;
}

/** The live view, one string with a line per row, no trailing newline. */
export function renderDemoView(frame: DemoFrame, options: RenderOptions = {}): string {
  const width = options.width ?? 100;
  const color = options.color ?? false;
  const lines: string[] = [];
  const title = `cutover demo${frame.badCanary ? ' (bad canary: v2 fails 5 % of requests)' : ''}`;
  lines.push(paint(color, '1', title) + `  ${seconds(frame.elapsedMs)} of at most ${seconds(frame.limitMs)}`);
  lines.push(`dashboard: ${frame.dashboardUrl}`);
  const route = frame.route;
  if (!route) {
    lines.push('waiting for the proxy…');
    return lines.map((l) => clip(l, width)).join('\n');
  }
  const steps = route.rollout?.steps ?? [];
  lines.push('');
  lines.push(`route ${paint(color, '1', route.name)}  phase ${paint(color, phaseColor(route.phase), route.phase)}  ${describeStep(route)}`);
  lines.push(`  canary ${progressBar(route.weight, steps)}`);
  lines.push(versionLine(route, frame, 'stable'));
  lines.push(versionLine(route, frame, 'canary'));
  const verdict = route.rollout?.verdict;
  if (verdict) lines.push(`  verdict: ${verdict.outcome} — ${verdict.reason}`);
  else if (route.rollout?.reason) lines.push(`  ${route.rollout.reason}`);
  if (frame.fleet) {
    lines.push('');
    lines.push(`replicas (one Redis; the leader decides on all their traffic):`);
    for (const r of frame.fleet) {
      const role = r.leader ? paint(color, '1', 'leader  ') : 'follower';
      lines.push(`  ${r.id.padEnd(10)} ${role}  ${paint(color, phaseColor(r.phase), r.phase.padEnd(11))} canary ${String(r.weight).padStart(3)} %  ${String(r.requestsPerSecond).padStart(4)} req/s${r.storeUp ? '' : '  store DOWN (fail static)'}`);
    }
  }
  const history = route.history ?? [];
  lines.push('');
  lines.push(history.length > 0 ? 'decisions:' : 'decisions: none yet');
  const first = history[0] ? Date.parse(history[0].at) : undefined;
  for (const t of history.slice(-RECENT_DECISIONS)) lines.push(decisionLine(t, first));
  const c = frame.client;
  lines.push('');
  lines.push(`load: ${formatCount(c.sent)} sent, ${formatCount(c.answered)} answered, ${formatCount(c.failures)} 5xx, ${formatCount(c.transportErrors)} without an answer`);
  return lines.map((l) => clip(l, width)).join('\n');
}

const END_WORDS: Record<DemoEnd, string> = {
  promoted: 'the canary was promoted: v2 now takes all traffic',
  reverted: 'the canary was reverted: all traffic is back on v1',
  limit: 'the time limit came before the rollout ended',
  interrupted: 'interrupted',
  'load-done': 'the synthetic load finished before the rollout ended',
};

/** The closing summary, printed once after everything is stopped. */
export function renderSummary(end: DemoEnd, frame: DemoFrame): string {
  const route = frame.route;
  const lines = [`cutover demo finished after ${seconds(frame.elapsedMs)}: ${END_WORDS[end]}`];
  if (route) {
    lines.push(`  final phase ${route.phase}, canary weight ${route.weight} %`);
    const version = (name: string, v: ApiRoute['stable'] | null): string =>
      v ? `  ${name}  ${formatCount(v.requests)} requests, ${formatCount(v.failures)} failed (${formatPercent(v.errorRate)})` : `  ${name}  no canary`;
    lines.push(version('stable v1', route.stable));
    lines.push(version('canary v2', route.canary));
    const history = route.history ?? [];
    if (history.length > 0) {
      lines.push('  decisions:');
      const first = Date.parse(history[0]!.at);
      for (const t of history) lines.push('  ' + decisionLine(t, first));
    }
  }
  const c = frame.client;
  lines.push(`  load: ${formatCount(c.sent)} requests sent, ${formatCount(c.answered)} answered, ${formatCount(c.transportErrors)} without an answer`);
  return lines.join('\n');
}
