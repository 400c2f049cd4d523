/**
 * The shadow copy: while a route is shadowing, a share of its reads is also sent to the canary
 * and the two answers are compared (response-compare.ts). The client only ever gets stable's
 * answer, from the ordinary ProxyExchange; this file only listens in on it (the `stable*` taps)
 * and runs the copy on its own undici dispatch with its own deadline. Nothing here can delay,
 * fail or change the client's response: the copy is never awaited, its errors end here, and at
 * most `maxInFlight` copies run at once (more are dropped and counted, never queued).
 */
import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import type { RouteConfig } from '../config/schema.js';
import type { Route } from '../routing/route-table.js';
import type { ShadowRecorder } from '../metrics/shadow-recorder.js';
import type { ProxyContext } from './context.js';
import { classifyFailure } from './failures.js';
import { BodyCapture, CompareRules, compareResponses, type CapturedResponse, type DifferingPart } from './response-compare.js';

const rulesByConfig = new WeakMap<RouteConfig, CompareRules>();

/** Compiled once per route table generation, on the first mirrored request. */
function rulesOf(config: RouteConfig): CompareRules | null {
  let rules = rulesByConfig.get(config);
  if (rules === undefined) {
    const shadow = config.rollout?.shadow;
    if (!shadow) return null;
    rules = new CompareRules(shadow);
    rulesByConfig.set(config, rules);
  }
  return rules;
}

/**
 * Called for each request of a route whose `state.shadowShare` is above 0. Starts the copy and
 * returns the pair for the exchange to feed stable's answer into, or null when this request is
 * not mirrored. Requests with a body are never mirrored: the body is streamed to stable once.
 */
export function startShadowCopy(ctx: ProxyContext, route: Route, req: IncomingMessage, headers: string[], hasBody: boolean, startedAt: number): ShadowPair | null {
  const recorder = route.shadow;
  const canary = route.canary;
  if (recorder === null || canary === null || hasBody) return null;
  const rules = rulesOf(route.config);
  const method = req.method ?? 'GET';
  if (rules === null || !rules.methods.has(method)) return null;
  const state = route.state;
  if (ctx.random() >= state.shadowShare) return null;
  if (state.shadowInFlight >= rules.maxInFlight) {
    recorder.dropped();
    return null;
  }
  const pool = canary.endpoints.pick(startedAt);
  if (pool === null) {
    recorder.pair('error', true, false, 0, 0);
    example(route, req, 'error', 'the canary has no healthy endpoint');
    return null;
  }
  const pair = new ShadowPair(ctx, route, recorder, rules, req, startedAt);
  state.shadowInFlight++;
  pool.pool.dispatch({
    path: req.url ?? '/',
    method: method as Dispatcher.HttpMethod,
    // The same list the stable request gets: the client's headers and the forwarding headers.
    headers,
    body: null,
    headersTimeout: rules.timeoutMs,
    bodyTimeout: rules.timeoutMs,
  }, pair);
  return pair;
}

/** Stable's answer (tapped from the exchange) and the canary's (its own dispatch), compared when both are in. */
export class ShadowPair implements Dispatcher.DispatchHandler {
  private readonly stable: CapturedResponse;
  private readonly canary: CapturedResponse;
  /** 0 pending, 1 answered, -1 failed in transport. */
  private stableState = 0;
  private canaryState = 0;
  private stableMs = 0;
  private canaryMs = 0;
  private canaryError = '';
  private readonly canaryStartedAt: number;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly route: Route,
    private readonly recorder: ShadowRecorder,
    private readonly rules: CompareRules,
    private readonly req: IncomingMessage,
    private readonly startedAt: number,
  ) {
    this.canaryStartedAt = ctx.now();
    this.stable = { status: 0, rawHeaders: [], body: new BodyCapture(rules.bodyLimit) };
    this.canary = { status: 0, rawHeaders: [], body: new BodyCapture(rules.bodyLimit) };
  }

  // ---- stable: fed by ProxyExchange ----

  stableHeaders(status: number, rawHeaders: Buffer[]): void {
    this.stable.status = status;
    this.stable.rawHeaders = rawHeaders;
    // A retried attempt starts over (an attempt that failed after some body is not retried, so this is rare).
    if (this.stable.body.length > 0) this.stable.body = new BodyCapture(this.rules.bodyLimit);
  }

  stableData(chunk: Buffer): void {
    this.stable.body.add(chunk);
  }

  stableComplete(): void {
    if (this.stableState !== 0) return;
    this.stableState = 1;
    this.stableMs = this.ctx.now() - this.startedAt;
    this.settle();
  }

  /** Stable failed or the client left: there is nothing to compare the canary with. */
  stableFailed(): void {
    if (this.stableState !== 0) return;
    this.stableState = -1;
    this.settle();
  }

  // ---- canary: undici's DispatchHandler for the copy ----

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true;
    this.canary.status = statusCode;
    this.canary.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.canary.body.add(chunk);
    return true;
  }

  onComplete(): void {
    this.canaryDone(1, '');
  }

  onError(err: Error): void {
    const failure = classifyFailure(err, false);
    this.canaryDone(-1, failure.kind === 'timeout' ? `no answer within ${this.rules.timeoutMs} ms` : `${failure.kind ?? 'failed'}: ${err.message}`);
  }

  private canaryDone(state: 1 | -1, error: string): void {
    if (this.canaryState !== 0) return;
    this.canaryState = state;
    this.canaryError = error;
    this.canaryMs = this.ctx.now() - this.canaryStartedAt;
    this.route.state.shadowInFlight--;
    this.settle();
  }

  private settle(): void {
    if (this.stableState === 0 || this.canaryState === 0 || this.stableState === -1) return;
    const stableFailed = this.stable.status >= 500;
    if (this.canaryState === -1) {
      this.recorder.pair('error', true, stableFailed, this.canaryMs, this.stableMs);
      example(this.route, this.req, 'error', `canary: ${this.canaryError}`);
      return;
    }
    const difference = compareResponses(this.rules, this.stable, this.canary);
    const canaryFailed = this.canary.status >= 500;
    if (difference === null) {
      this.recorder.pair('match', canaryFailed, stableFailed, this.canaryMs, this.stableMs);
      return;
    }
    this.recorder.pair('mismatch', canaryFailed, stableFailed, this.canaryMs, this.stableMs);
    example(this.route, this.req, difference.part, difference.diff);
  }
}

function example(route: Route, req: IncomingMessage, part: DifferingPart | 'error', diff: string): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  route.state.addShadowExample({ at: Date.now(), method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), part, diff });
}
