import type { Registry } from 'prom-client';

/** How the primary hands its sticky-cookie key to the workers it forks (hex). */
export const STICKY_KEY_ENV = 'CUTOVER_STICKY_KEY';
import type { SerializedTrafficWindow } from '../analysis/window-codec.js';
import type { SerializedShadowWindow } from '../analysis/shadow-window.js';
import type { RoutePhase, ShadowExample } from '../routing/route-state.js';

/** Metric snapshots as prom-client's getMetricsAsJSON() produces them; what AggregatorRegistry sums. */
export type MetricSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** The live part of one route, as the primary's controller left it. */
export interface RouteStateSync {
  name: string;
  weight: number;
  phase: RoutePhase;
  /** The shadow step's share (0–1) while shadowing; absent or 0 otherwise. */
  shadowShare?: number;
}

/** Primary → worker. */
export type PrimaryMessage =
  | { cutover: 'state'; routes: RouteStateSync[] }
  | { cutover: 'reload'; reason: string }
  | { cutover: 'stop' };

/** Per (route, version) requests answered since the last report, for the admin API's counts. */
export interface CountDelta { route: string; version: 'stable' | 'canary'; requests: number; failures: number }

/** Worker → primary. */
export type WorkerMessage =
  | { cutover: 'listening'; address: { host: string; port: number } }
  | { cutover: 'listen-failed'; code: string; message: string }
  | {
    cutover: 'report';
    /** Per route: the analysis window filled since the last report (TrafficWindow.toJSON()). */
    windows: Record<string, SerializedTrafficWindow>;
    counts: CountDelta[];
    /** Per shadowing route: its pairs since the last report and the mismatch examples seen meanwhile. */
    shadow?: Record<string, { window: SerializedShadowWindow; examples: ShadowExample[] }>;
    /** Cumulative data-plane metrics of this worker (not deltas: a lost message loses nothing). */
    metrics: MetricSnapshot;
    /** The worker's process metrics, sent every few reports: collecting them reads /proc. */
    process?: MetricSnapshot;
  };

/** IPC carries other traffic too (node:cluster's own, prom-client's); ours has a `cutover` tag. */
function isTagged(m: unknown): boolean {
  return typeof m === 'object' && m !== null && typeof (m as { cutover?: unknown }).cutover === 'string';
}

export function isPrimaryMessage(m: unknown): m is PrimaryMessage {
  return isTagged(m);
}

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return isTagged(m);
}

/** How often a worker reports; the analysis and /metrics lag the workers by at most this. */
export const REPORT_INTERVAL_MS = 250;
/** Every this many reports a worker adds its process metrics. */
export const PROCESS_METRICS_EVERY = 20;
/** How often the primary looks for a weight or phase change to push; changes reach workers within about this. */
export const STATE_POLL_INTERVAL_MS = 25;
/** A full state push even without a change, so a worker that missed one catches up. */
export const STATE_RESYNC_INTERVAL_MS = 1_000;
