/**
 * `cutover status` as text: a pure function of the routes' JSON and the terminal width, so it
 * is unit-tested without a terminal or a server.
 */
import { formatEValue } from '../analysis/index.js';

interface Live { rps: number; errorRate: number; p50Ms: number; p90Ms: number; p99Ms: number }
interface Version { requests: number; failures: number; endpoints?: { origin: string; health?: string; healthy?: boolean; ejected?: boolean; ejectedForMs?: number }[] }
export interface StatusRoute {
  name: string;
  phase: string;
  weight: number;
  revision?: string;
  stable: Version;
  canary: Version | null;
  rollout?: null | {
    step: number;
    steps: number[];
    reason: string | null;
    revision?: string | null;
    verdict: null | { outcome: string; reason: string; tests: { label: string; revertLogE: number; advanceLogE: number; accepted: boolean; rejected: boolean }[]; canary: { requests: number } };
    checks?: StatusCheck[];
    shadow?: null | {
      active: boolean;
      share: number;
      verdict: null | { outcome: string; reason: string; matches: number; mismatches: number; errors: number; dropped: number };
      mismatches: { method: string; path: string; part: string; diff: string }[];
    };
  };
  live?: { stable: Live; canary: Live | null };
}

interface StatusCheck { name: string; bound: string; failures: number; failureLimit: number; outcome: string | null; reason: string | null }

export function renderStatus(routes: readonly StatusRoute[], width: number): string {
  const lines: string[] = [];
  routes.forEach((route, i) => {
    if (i > 0) lines.push('');
    lines.push(...renderRoute(route));
  });
  if (routes.length === 0) lines.push('no routes');
  const w = Math.max(20, width);
  return lines.map((l) => (l.length > w ? `${l.slice(0, w - 1)}…` : l)).join('\n') + '\n';
}

function renderRoute(r: StatusRoute): string[] {
  const revision = r.rollout?.revision ?? r.revision;
  const out = [`${r.name}  ${r.phase}  canary ${formatWeight(r.weight)}${revision ? `  revision ${revision}` : ''}`];
  const ro = r.rollout;
  if (ro) out.push(`  ${progressBar(ro.step, ro.steps, r.phase)}`);
  const live = r.live;
  out.push(`  ${versionLine('stable', r.stable, live?.stable)}`);
  if (r.canary) out.push(`  ${versionLine('canary', r.canary, live?.canary ?? undefined)}`);
  if (ro?.verdict) {
    out.push(`  verdict ${ro.verdict.outcome}: ${ro.verdict.reason}`);
    if (ro.verdict.tests.length > 0) {
      out.push(`  e-values (revert / advance): ${ro.verdict.tests.map((t) => `${t.label} ${formatEValue(t.revertLogE)} / ${formatEValue(t.advanceLogE)}${t.accepted ? ' ✓' : ''}${t.rejected ? ' ✗' : ''}`).join(', ')}`);
    }
  }
  for (const c of ro?.checks ?? []) out.push(`  ${checkLine(c)}`);
  out.push(...shadowLines(ro?.shadow));
  if (ro?.reason) out.push(`  reason: ${ro.reason}`);
  for (const [version, v] of [['stable', r.stable], ['canary', r.canary]] as const) {
    for (const e of v?.endpoints ?? []) {
      if (e.ejected) out.push(`  ejected: ${version} ${e.origin}${e.ejectedForMs ? ` for ${Math.ceil(e.ejectedForMs / 1000)}s more` : ''}`);
      else if (e.healthy === false) out.push(`  unhealthy: ${version} ${e.origin}`);
      else if (e.health === 'unknown') out.push(`  health unknown: ${version} ${e.origin} (no connection opened, no health check passed yet)`);
    }
  }
  return out;
}

/** The shadow step's verdict and its latest mismatches, when there is anything to say. */
function shadowLines(s: NonNullable<StatusRoute['rollout']>['shadow']): string[] {
  if (!s || (!s.active && !s.verdict && s.mismatches.length === 0)) return [];
  const v = s.verdict;
  const out = [`  shadow ${s.active ? `${formatWeight(s.share)} mirrored` : 'ended'}: ${v ? `${v.outcome}: ${v.reason}` : 'no pairs yet'}`];
  if (v) out.push(`    ${v.matches} match, ${v.mismatches} mismatch, ${v.errors} error, ${v.dropped} dropped`);
  for (const m of s.mismatches.slice(-3)) out.push(`    ${m.method} ${m.path} (${m.part}): ${m.diff}`);
  return out;
}

/** `[■■■□□□] step 3/6 10%`; every square filled once promoted. */
export function progressBar(step: number, steps: readonly number[], phase: string): string {
  const done = phase === 'promoted' ? steps.length : Math.max(0, step + 1);
  const bar = '■'.repeat(Math.min(done, steps.length)) + '□'.repeat(Math.max(0, steps.length - done));
  if (phase === 'shadowing') return `[${bar}] shadow step before 1/${steps.length}`;
  const label = step >= 0 ? `step ${step + 1}/${steps.length} ${formatWeight(steps[step] ?? 0)}` : `before step 1/${steps.length}`;
  return `[${bar}] ${label}`;
}

function versionLine(name: string, v: Version, live: Live | undefined): string {
  const errorRate = v.requests > 0 ? v.failures / v.requests : 0;
  const total = `${v.requests} requests, ${formatRate(errorRate)} errors`;
  if (!live) return `${name}  ${total}`;
  return `${name}  ${live.rps.toFixed(1)} req/s  errors ${formatRate(live.errorRate)}  p50 ${formatMs(live.p50Ms)}  p99 ${formatMs(live.p99Ms)}  (total ${total})`;
}

/** `check cpu  failures 1 of 2  fail  canary 0.2 vs stable 0.1 (+100%), …`: the reason carries value and bound, and goes last because it is the part a narrow terminal cuts. */
export function checkLine(c: StatusCheck): string {
  // A no-data reason starts with "no data:" already.
  const said = c.outcome === null ? `not evaluated yet (${c.bound})` : c.outcome === 'noData' ? c.reason ?? 'no data' : `${c.outcome}  ${c.reason ?? ''}`;
  return `check ${c.name}  failures ${c.failures} of ${c.failureLimit}  ${said}`;
}

function formatWeight(w: number): string {
  return `${Number(w.toFixed(2))}%`;
}

function formatRate(f: number): string {
  return `${(f * 100).toFixed(f > 0 && f < 0.01 ? 2 : 1)}%`;
}

function formatMs(ms: number): string {
  if (!(ms > 0)) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
