/**
 * The result of the `rollout.afterPromotion` gates (typically the contract migration's check).
 * The canary is already promoted and serving 100 %; a failing check never un-promotes it, because
 * the gate never runs the SQL: nothing has broken yet, and moving traffic back to the old
 * version would not mend a contract migration that must not run. The result is recorded as a
 * promoted → promoted transition (history, notification, log) so the operator sees it.
 */
import { move, unchanged } from './moves.js';
import type { RolloutEvent, RolloutState, TransitionResult } from './types.js';

export function onAfterPromotionResult(s: RolloutState, e: RolloutEvent & { type: 'gateResult' }): TransitionResult {
  // A result from a run that was cancelled (abort, new revision, restart) no longer applies.
  if (s.phase !== 'promoted' || s.gating !== 'afterPromotion' || s.gateRun !== e.run) return unchanged(s);
  if (e.passed) return move(s, { gating: null }, `after-promotion gates passed: ${e.reason}`, e.at, []);
  const reason = `after-promotion gate failed: ${e.reason}; the canary stays promoted at 100% — do not apply the contract migration until the check passes`;
  return move(s, { gating: null }, reason, e.at, [{ type: 'log', level: 'warn', message: reason }]);
}
