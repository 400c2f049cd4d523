/**
 * Tells the world about a transition after it took effect: in-process listeners (SSE, metrics)
 * and the route's webhooks. A listener that throws is logged and never stops the others.
 */
import type { Logger } from '../log.js';
import { Notifier } from './notify.js';
import type { RouteRollout } from './route-rollout.js';
import type { TransitionRecord } from './types.js';

export type TransitionNotice = TransitionRecord & { route: string };

export class TransitionAnnouncer {
  private readonly notifier: Notifier;
  private readonly listeners = new Set<(t: TransitionNotice) => void>();

  constructor(private readonly log: Logger) {
    this.notifier = new Notifier(log);
  }

  /** Returns the unsubscribe function. */
  listen(listener: (t: TransitionNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  announce(r: RouteRollout, t: TransitionRecord): void {
    this.announceLocally(r, t);
    this.notifier.send(r.config.rollout?.notify ?? [], {
      type: 'transition', route: r.name, from: t.from, to: t.to, weight: t.weight, step: t.step, steps: [...r.policy.steps],
      revision: r.state.revision, reason: t.reason, at: new Date(t.at).toISOString(),
    });
  }

  /** In-process listeners only: a fleet follower shows the leader's transitions but leaves the webhooks to it. */
  announceLocally(r: RouteRollout, t: TransitionRecord): void {
    const notice: TransitionNotice = { route: r.name, ...t };
    for (const listener of this.listeners) {
      try {
        listener(notice);
      } catch (err) {
        this.log.error({ err, route: r.name }, 'transition listener failed');
      }
    }
  }

  close(): void {
    this.notifier.close();
  }
}
