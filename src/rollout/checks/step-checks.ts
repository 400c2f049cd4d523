/**
 * The checks of one step, each on its own timer beside the built-in analysis (never on the
 * request path). Started when a step starts; stopped, with any query in flight aborted, when it
 * ends (next step, pause, abort, revert, new revision). Its records stay readable after the stop,
 * so the status still shows what the last step's checks said.
 */
import type { CheckConfig } from '../../config/checks-schema.js';
import { escapePromqlString, fillTemplate, type TemplateValues } from '../../config/check-template.js';
import type { Logger } from '../../log.js';
import { evaluateBounds, evaluateCompare, type Evaluation, type Sample } from './evaluate.js';
import { queryPrometheus } from './prometheus.js';
import { checksVerdict, isFailure, newCheckRecord, record, type CheckRecord, type ChecksVerdict } from './step-tally.js';
import { readHttpField } from './web.js';

export interface StepChecksDeps {
  log: Logger;
  /** Epoch ms, for what is shown. */
  wallNow(): number;
  /** A failed evaluation, for cutover_check_failures_total. */
  onFailure(check: string): void;
}

export class StepChecks {
  readonly records = new Map<string, CheckRecord>();
  private readonly ac = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly checks: readonly CheckConfig[], private readonly values: TemplateValues, private readonly deps: StepChecksDeps) {
    for (const c of checks) this.records.set(c.name, newCheckRecord(c.name));
  }

  /** The first evaluation of every check starts now; the next one `interval` after the previous began. */
  start(): this {
    for (const c of this.checks) void this.run(c);
    return this;
  }

  stop(): void {
    this.ac.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /**
   * The same step with an edited checks list: stops this one and starts the new list with fresh
   * records, so fixing a query that holds the step with "no data" takes effect without a restart.
   */
  replaced(checks: readonly CheckConfig[], values: TemplateValues): StepChecks {
    this.stop();
    return new StepChecks(checks, values, this.deps).start();
  }

  get stopped(): boolean {
    return this.ac.signal.aborted;
  }

  verdict(): ChecksVerdict {
    return checksVerdict(this.checks, this.records);
  }

  private async run(c: CheckConfig): Promise<void> {
    if (this.stopped) return;
    const began = performance.now();
    let e: Evaluation;
    try {
      e = await evaluateCheck(c, this.values, this.ac.signal, this.deps.wallNow);
    } catch (err) {
      // A bug here must not take the controller down, nor pass the check: no data, and keep going.
      e = { outcome: 'noData', canary: null, stable: null, reason: `no data: evaluating the check failed: ${(err as Error).message}`, at: this.deps.wallNow() };
    }
    // A result that arrives after the step ended belongs to no step.
    if (this.stopped) return;
    const failed = isFailure(c, e);
    this.records.set(c.name, record(c, this.records.get(c.name)!, e));
    if (failed) {
      this.deps.onFailure(c.name);
      this.deps.log.warn({ route: this.values.route, check: c.name, value: e.canary, stable: e.stable }, `check ${c.name} failed: ${e.reason}`);
    } else if (e.outcome === 'noData') {
      this.deps.log.debug({ route: this.values.route, check: c.name }, `check ${c.name}: ${e.reason}`);
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(c);
    }, Math.max(0, c.intervalMs - (performance.now() - began)));
    timer.unref();
    this.timers.add(timer);
  }
}

/** One evaluation: the query (twice for a comparison, concurrently) and the rule. */
export async function evaluateCheck(c: CheckConfig, values: TemplateValues, signal: AbortSignal, wallNow: () => number): Promise<Evaluation> {
  const src = c.source;
  if (src.kind === 'http') {
    const sample = await readHttpField(fillTemplate(src.url, values, encodeURIComponent), src.field, src.headers, c.timeoutMs, signal);
    return evaluateBounds(c.rule.kind === 'bounds' ? c.rule : { kind: 'bounds' }, sample, wallNow());
  }
  const query = (revision?: string): Promise<Sample> =>
    queryPrometheus(src.url, fillTemplate(src.query, revision === undefined ? values : { ...values, revision }, escapePromqlString), c.timeoutMs, signal);
  if (c.rule.kind === 'compare') {
    const [canary, stable] = await Promise.all([query(values['canary.revision']), query(values['stable.revision'])]);
    return evaluateCompare(c.rule, canary, stable, wallNow());
  }
  return evaluateBounds(c.rule, await query(), wallNow());
}
