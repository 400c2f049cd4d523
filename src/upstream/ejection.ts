import { DEFAULT_EJECTION } from '../config/defaults.js';

export interface EjectionPolicy {
  /** Connect failures in a row that eject the endpoint. */
  connectFailures: number;
  /** First ejection lasts this long; each further ejection in a row doubles it, up to maxTimeMs. */
  baseTimeMs: number;
  maxTimeMs: number;
}

export const DEFAULT_EJECTION_POLICY: EjectionPolicy = {
  connectFailures: DEFAULT_EJECTION.connectFailures,
  baseTimeMs: DEFAULT_EJECTION.baseTimeMs,
  maxTimeMs: DEFAULT_EJECTION.maxTimeMs,
};

/**
 * Passive outlier ejection from what the proxy sees (Envoy's consecutive
 * connect-failure detector). Time is a parameter, so tests drive it.
 *
 * After an ejection ends the endpoint is on probation: the first connect that
 * fails ejects it again for twice as long, so a dead endpoint costs one failed
 * connect per backoff period instead of `connectFailures` every period.
 * One success ends the probation and resets the backoff.
 */
export class PassiveEjection {
  /** Connect failures since the last success. */
  failuresInARow = 0;
  /** Ejections since the last success; drives the backoff. */
  ejections = 0;
  ejectedUntil = 0;

  constructor(public policy: EjectionPolicy = DEFAULT_EJECTION_POLICY) {}

  /** Returns true when this failure ejected the endpoint. */
  connectFailed(nowMs: number): boolean {
    this.failuresInARow++;
    if (nowMs < this.ejectedUntil) return false;
    const onProbation = this.ejections > 0;
    if (!onProbation && this.failuresInARow < this.policy.connectFailures) return false;
    this.ejectedUntil = nowMs + this.backoffMs(this.ejections);
    this.ejections++;
    return true;
  }

  /** Kept to a compare on the hot path: called after every answered request. */
  succeeded(): void {
    if (this.failuresInARow !== 0 || this.ejections !== 0) {
      this.failuresInARow = 0;
      this.ejections = 0;
    }
  }

  /** Forgets the backoff and lifts an ejection, e.g. when active checks see the endpoint healthy again. */
  reset(): void {
    this.failuresInARow = 0;
    this.ejections = 0;
    this.ejectedUntil = 0;
  }

  isEjected(nowMs: number): boolean {
    return nowMs < this.ejectedUntil;
  }

  backoffMs(ejectionsBefore: number): number {
    const { baseTimeMs, maxTimeMs } = this.policy;
    // 2^30 ms is already 12 days; capping the exponent keeps the arithmetic finite.
    return Math.min(Math.max(maxTimeMs, baseTimeMs), baseTimeMs * 2 ** Math.min(ejectionsBefore, 30));
  }
}
