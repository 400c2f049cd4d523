/**
 * A step's verdict with its checks: the step advances only when the built-in analysis passes and
 * every check agrees; a check at its failureLimit reverts whatever the analysis says (it sees what
 * the proxy cannot: a business metric, CPU). Pure; the transition function sees a plain verdict.
 */
import type { StepVerdict } from '../../analysis/index.js';
import type { ChecksVerdict } from './step-tally.js';

export function withChecks(v: StepVerdict, c: ChecksVerdict): StepVerdict {
  if (v.outcome === 'fail') return v;
  if (c.outcome === 'fail') return { ...v, outcome: 'fail', reason: c.reason };
  if (v.outcome === 'pass') {
    return c.outcome === 'agree'
      ? { ...v, reason: `${v.reason}; ${c.reason}` }
      // Holding is the analysis' own word for "not yet": pending, with both sides said.
      : { ...v, outcome: 'pending', reason: `the analysis passed (${v.reason}); ${c.reason}` };
  }
  // The analysis holds anyway: its own reason says why; the checks' state is in rollout.checks.
  return v;
}
