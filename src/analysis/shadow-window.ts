/**
 * What the data plane fills while a route is shadowing: one entry per mirrored request, each a
 * *pair* (stable's answer to the client, the canary's answer to the copy). Like TrafficWindow it
 * is O(1) per pair and allocates nothing; the controller drains it each tick.
 */
import { AnalysisError } from './errors.js';
import { LATENCY_BUCKET_COUNT, latencyBucket } from './histogram.js';

export type ShadowResult = 'match' | 'mismatch' | 'error' | 'dropped';

/**
 * Wire form for worker → primary IPC: `[matches, mismatches, errors, dropped, fp0..fp3, then
 * (cell, count) pairs of the joint latency histogram]`; only non-zero cells travel.
 */
export type SerializedShadowWindow = number[];

const B = LATENCY_BUCKET_COUNT;

export class ShadowWindow {
  /** Both answered and the answers agree (status, compared headers, body). */
  matches = 0;
  /** Both answered and the answers differ. */
  mismatches = 0;
  /** The canary did not answer the copy (timeout, refused, reset); stable did. */
  errors = 0;
  /** Not mirrored because maxInFlight copies were already under way. */
  dropped = 0;
  /**
   * Paired failures of every observed pair (matches, mismatches, errors), index
   * canaryFailed·2 + stableFailed: [neither, stable only, canary only, both].
   */
  readonly failurePairs = new Uint32Array(4);
  /** Joint latency histogram of observed pairs: [canaryBucket·B + stableBucket]. */
  readonly latencyPairs = new Uint32Array(B * B);

  recordPair(result: 'match' | 'mismatch' | 'error', canaryFailed: boolean, stableFailed: boolean, canaryMs: number, stableMs: number): void {
    if (result === 'match') this.matches += 1;
    else if (result === 'mismatch') this.mismatches += 1;
    else this.errors += 1;
    this.failurePairs[(canaryFailed ? 2 : 0) + (stableFailed ? 1 : 0)]! += 1;
    this.latencyPairs[latencyBucket(canaryMs) * B + latencyBucket(stableMs)]! += 1;
  }

  recordDropped(): void {
    this.dropped += 1;
  }

  get pairs(): number {
    return this.matches + this.mismatches + this.errors;
  }

  isEmpty(): boolean {
    return this.pairs === 0 && this.dropped === 0;
  }

  reset(): void {
    this.matches = 0;
    this.mismatches = 0;
    this.errors = 0;
    this.dropped = 0;
    this.failurePairs.fill(0);
    this.latencyPairs.fill(0);
  }

  toJSON(): SerializedShadowWindow {
    const out = [this.matches, this.mismatches, this.errors, this.dropped, ...this.failurePairs];
    const joint = this.latencyPairs;
    for (let i = 0; i < joint.length; i++) if (joint[i]! > 0) out.push(i, joint[i]!);
    return out;
  }

  /** Inverse of `toJSON`; throws AnalysisError('ANALYSIS_INVALID_WINDOW') on malformed input. */
  static fromJSON(data: unknown): ShadowWindow {
    const bad = (why: string): AnalysisError => new AnalysisError('ANALYSIS_INVALID_WINDOW', `shadow window: ${why}; send what ShadowWindow.toJSON() produced`);
    if (!Array.isArray(data) || data.length < 8 || data.length % 2 !== 0) throw bad('must be an array of 8 counts and (cell, count) pairs');
    for (const v of data as unknown[]) if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad('every entry must be a non-negative integer');
    const d = data as number[];
    const w = new ShadowWindow();
    [w.matches, w.mismatches, w.errors, w.dropped] = [d[0]!, d[1]!, d[2]!, d[3]!];
    for (let i = 0; i < 4; i++) w.failurePairs[i] = d[4 + i]!;
    if (w.failurePairs.reduce((a, b) => a + b, 0) !== w.pairs) throw bad('failure pairs do not add up to the pairs');
    for (let i = 8; i < d.length; i += 2) {
      if (d[i]! >= B * B) throw bad(`latency cell ${d[i]!} out of range`);
      w.latencyPairs[d[i]!] = d[i + 1]!;
    }
    return w;
  }

  addFrom(o: ShadowWindow): void {
    this.matches += o.matches;
    this.mismatches += o.mismatches;
    this.errors += o.errors;
    this.dropped += o.dropped;
    for (let i = 0; i < 4; i++) this.failurePairs[i]! += o.failurePairs[i]!;
    for (let i = 0; i < B * B; i++) this.latencyPairs[i]! += o.latencyPairs[i]!;
  }
}

/**
 * Discordant pairs of a latency comparison: canary slower than `canaryAbove` while stable is not
 * slower than `stableAbove`, and the other way round. Concordant pairs carry no evidence about a
 * difference, which is why a paired test looks at these two counts only (McNemar).
 */
export function discordantLatencyPairs(joint: Uint32Array, canaryAbove: number, stableAbove: number): { canaryWorse: number; stableWorse: number } {
  let canaryWorse = 0;
  let stableWorse = 0;
  for (let kc = 0; kc < B; kc++) {
    const canaryEvent = kc > canaryAbove;
    const row = kc * B;
    for (let ks = 0; ks < B; ks++) {
      const n = joint[row + ks]!;
      if (n === 0) continue;
      const stableEvent = ks > stableAbove;
      if (canaryEvent && !stableEvent) canaryWorse += n;
      else if (!canaryEvent && stableEvent) stableWorse += n;
    }
  }
  return { canaryWorse, stableWorse };
}

/** Marginal histograms of the pairs, for the live quantiles shown beside the verdict. */
export function marginalLatency(joint: Uint32Array, version: 'canary' | 'stable', into: Float64Array): void {
  for (let kc = 0; kc < B; kc++) {
    for (let ks = 0; ks < B; ks++) {
      const n = joint[kc * B + ks]!;
      if (n > 0) into[version === 'canary' ? kc : ks]! += n;
    }
  }
}
