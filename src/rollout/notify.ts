/**
 * Webhooks: each transition is POSTed as JSON to every `notify` URL. Delivery is fire and
 * forget with bounded retries and a bounded backlog, so a slow or dead receiver can never hold
 * up a transition, let alone the data plane.
 */
import { request } from 'undici';
import type { Logger } from '../log.js';

export interface NotifyTarget {
  url: string;
  headers?: Record<string, string>;
}

/** What a webhook receives (docs/rollouts.md, "Notifications"). */
export interface NotifyPayload {
  type: 'transition';
  route: string;
  from: string;
  to: string;
  weight: number;
  step: number;
  steps: number[];
  revision: string | null;
  reason: string;
  at: string;
}

export const NOTIFY_ATTEMPTS = 3;
export const NOTIFY_TIMEOUT_MS = 5_000;
/** Backoff before the 2nd and 3rd attempt. */
export const NOTIFY_BACKOFF_MS = [250, 1_000] as const;
/** Deliveries in flight at most; beyond it new ones are dropped with a warning. */
export const NOTIFY_MAX_PENDING = 100;

export class Notifier {
  private pending = 0;
  private readonly stopped = new AbortController();

  constructor(private readonly log: Logger) {}

  send(targets: readonly NotifyTarget[], payload: NotifyPayload): void {
    if (targets.length === 0 || this.stopped.signal.aborted) return;
    const body = JSON.stringify(payload);
    for (const target of targets) {
      if (this.pending >= NOTIFY_MAX_PENDING) {
        this.log.warn({ route: payload.route, url: target.url }, `notification dropped: ${NOTIFY_MAX_PENDING} deliveries already pending; is the webhook receiver down?`);
        continue;
      }
      this.pending++;
      void this.deliver(target, body, payload.route).finally(() => this.pending--);
    }
  }

  /** Cancels deliveries in flight (shutdown). */
  close(): void {
    this.stopped.abort();
  }

  private async deliver(target: NotifyTarget, body: string, route: string): Promise<void> {
    let last = '';
    for (let attempt = 1; attempt <= NOTIFY_ATTEMPTS; attempt++) {
      if (attempt > 1 && !(await this.sleep(NOTIFY_BACKOFF_MS[attempt - 2] ?? 1_000))) return;
      try {
        const res = await request(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'cutover', ...target.headers },
          body,
          signal: AbortSignal.any([this.stopped.signal, AbortSignal.timeout(NOTIFY_TIMEOUT_MS)]),
        });
        await res.body.dump();
        if (res.statusCode < 300) return;
        last = `answered ${res.statusCode}`;
        // A 4xx other than 408/429 will not get better by retrying.
        if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) break;
      } catch (err) {
        if (this.stopped.signal.aborted) return;
        last = (err as Error).message;
      }
    }
    this.log.warn({ route, url: target.url }, `notification not delivered: ${last}`);
  }

  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const signal = this.stopped.signal;
      if (signal.aborted) return resolve(false);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      timer.unref();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
