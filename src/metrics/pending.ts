import type { Counter, Histogram } from 'prom-client';

/**
 * What one (route, version) served since the last scrape, counted in plain
 * typed arrays on the hot path and folded into prom-client when something reads
 * the metrics (a scrape, a worker's report: both go through the metric's
 * `collect()`). prom-client 15 rebuilds and re-hashes the label object on every
 * labelled child's inc()/observe(), about 1 µs per request for one counter and
 * one histogram; here a request costs a few array increments.
 *
 * The first increment of each series still goes straight to prom-client, so
 * every series is created at the moment, and therefore in the order, it was
 * before: the exposition is the same text.
 */
export class PendingSeries {
  /** Increments by status code 100–599 not yet in prom-client. */
  readonly codes = new Float64Array(600);
  /** 1 once the code's series exists in prom-client; only then are increments deferred. */
  readonly codeExists = new Uint8Array(600);
  readonly codesSeen: number[] = [];
  /** Observations per bucket (upper bounds as in the histogram); the last slot is above every bound. */
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;
  /** The histogram series exists in prom-client; only then are observations deferred. */
  observed = false;
  readonly labels: { route: string; version: string };

  constructor(route: string, version: string, readonly upperBounds: readonly number[]) {
    this.labels = { route, version };
    this.buckets = new Float64Array(upperBounds.length + 1);
  }

  markCode(code: number): void {
    if (this.codeExists[code] === 0) {
      this.codeExists[code] = 1;
      this.codesSeen.push(code);
    }
  }

  /** Same bucket as prom-client's findBound: the first upper bound the value does not exceed. */
  observe(seconds: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.buckets[i]! += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

/** prom-client 15's per-series histogram record; it has no public way to add bucket counts. */
interface HistogramEntry {
  labels: Record<string, string | number>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

/** Folds the pending request counts into the counter, with its public API. */
export function foldCounts(counter: Counter<'route' | 'version' | 'code'>, series: Iterable<PendingSeries>): void {
  for (const s of series) {
    for (const code of s.codesSeen) {
      const n = s.codes[code]!;
      if (n === 0) continue;
      s.codes[code] = 0;
      counter.inc({ route: s.labels.route, version: s.labels.version, code: String(code) }, n);
    }
  }
}

/** Folds the pending observations into the histogram's own per-series records. */
export function foldDurations(histogram: Histogram<'route' | 'version'>, series: Iterable<PendingSeries>): void {
  let entries: Map<string, HistogramEntry> | null = null;
  for (const s of series) {
    if (s.count === 0) continue;
    entries ??= entriesOf(histogram);
    const key = `${s.labels.route}\u0000${s.labels.version}`;
    let entry = entries.get(key);
    if (entry === undefined) {
      // Only after a reset of the histogram: recreate the series at zero (public API), then add.
      histogram.zero(s.labels);
      entries = entriesOf(histogram);
      entry = entries.get(key);
      if (entry === undefined) throw new Error('prom-client histogram internals changed: cannot fold durations');
    }
    const bounds = s.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      const n = s.buckets[i]!;
      if (n !== 0) entry.bucketValues[bounds[i]!]! += n;
    }
    entry.sum += s.sum;
    entry.count += s.count;
    s.buckets.fill(0);
    s.sum = 0;
    s.count = 0;
  }
}

function entriesOf(histogram: Histogram<'route' | 'version'>): Map<string, HistogramEntry> {
  const hashMap = (histogram as unknown as { hashMap?: Record<string, HistogramEntry> }).hashMap;
  const out = new Map<string, HistogramEntry>();
  for (const entry of Object.values(hashMap ?? {})) {
    if (typeof entry?.count !== 'number' || typeof entry.bucketValues !== 'object') throw new Error('prom-client histogram internals changed: cannot fold durations');
    out.set(`${entry.labels.route}\u0000${entry.labels.version}`, entry);
  }
  return out;
}
