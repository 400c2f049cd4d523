/**
 * Wire form of a TrafficWindow for worker → primary IPC. Per version one flat array
 * `[requests, failures, bucket0, bucket1, …]` with trailing zero buckets dropped: most requests
 * land in a dozen buckets, so a tick usually costs a few dozen numbers rather than 150.
 * Decoding validates everything, since a worker on an older build must not corrupt the analysis.
 */
import { AnalysisError } from './errors.js';
import { LATENCY_BUCKET_COUNT } from './histogram.js';
import type { TrafficWindow, VersionCounts } from './window.js';

export type SerializedVersionCounts = number[];
/** `[stable, canary]`. */
export type SerializedTrafficWindow = [SerializedVersionCounts, SerializedVersionCounts];

const HEADER = 2;
const MAX_BUCKET_COUNT = 0xffff_ffff;

function encodeVersion(counts: VersionCounts): SerializedVersionCounts {
  let last = LATENCY_BUCKET_COUNT - 1;
  while (last >= 0 && counts.latency[last] === 0) last--;
  const out = new Array<number>(HEADER + last + 1);
  out[0] = counts.requests;
  out[1] = counts.failures;
  for (let k = 0; k <= last; k++) out[HEADER + k] = counts.latency[k]!;
  return out;
}

export function encodeTrafficWindow(window: TrafficWindow): SerializedTrafficWindow {
  return [encodeVersion(window.stable), encodeVersion(window.canary)];
}

function invalid(path: string, why: string): AnalysisError {
  return new AnalysisError('ANALYSIS_INVALID_WINDOW', `${path}: ${why}; send what TrafficWindow.toJSON() produced`);
}

function decodeVersion(data: unknown, path: string, into: VersionCounts): void {
  if (!Array.isArray(data)) throw invalid(path, 'must be an array');
  if (data.length < HEADER || data.length > HEADER + LATENCY_BUCKET_COUNT) {
    throw invalid(path, `must hold 2 to ${HEADER + LATENCY_BUCKET_COUNT} numbers, got ${data.length}`);
  }
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(`${path}[${i}]`, 'must be a non-negative integer');
  }
  const values = data as number[];
  if (values[1]! > values[0]!) throw invalid(path, 'failures exceed requests');
  for (let i = HEADER; i < values.length; i++) if (values[i]! > MAX_BUCKET_COUNT) throw invalid(`${path}[${i}]`, 'exceeds a 32-bit bucket count');
  into.requests = values[0]!;
  into.failures = values[1]!;
  into.latency.fill(0);
  for (let k = 0; k < values.length - HEADER; k++) into.latency[k] = values[HEADER + k]!;
}

export function decodeTrafficWindow(data: unknown, into: TrafficWindow): TrafficWindow {
  if (!Array.isArray(data) || data.length !== 2) throw invalid('window', 'must be [stable, canary]');
  decodeVersion(data[0], 'window.stable', into.stable);
  decodeVersion(data[1], 'window.canary', into.canary);
  return into;
}
