/**
 * Every error the analysis throws carries a stable `code` (as undici's errors do), so callers
 * branch on the code and never on message text. Messages name the offending path and the fix.
 */
export type AnalysisErrorCode =
  | 'ANALYSIS_INVALID_POLICY'
  | 'ANALYSIS_INVALID_WEIGHT'
  | 'ANALYSIS_INVALID_TIME'
  | 'ANALYSIS_INVALID_WINDOW'
  | 'ANALYSIS_BUCKET_OUT_OF_RANGE'
  | 'ANALYSIS_INVALID_ARGUMENT';

/** What each code means, for the error catalogue in the docs (a test checks every code is listed). */
export const ANALYSIS_ERROR_CODES: Readonly<Record<AnalysisErrorCode, string>> = {
  ANALYSIS_INVALID_POLICY: 'an analysis policy field is out of range',
  ANALYSIS_INVALID_WEIGHT: 'a step weight is not a percent in (0, 100]',
  ANALYSIS_INVALID_TIME: 'a time passed to the analysis is not a finite number of milliseconds',
  ANALYSIS_INVALID_WINDOW: 'a serialised traffic window is malformed',
  ANALYSIS_BUCKET_OUT_OF_RANGE: 'a latency bucket index is outside 0..74',
  ANALYSIS_INVALID_ARGUMENT: 'a statistical helper was called outside its domain',
};

export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';

  constructor(
    readonly code: AnalysisErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function requireFiniteTime(path: string, ms: number): void {
  if (!Number.isFinite(ms)) {
    throw new AnalysisError('ANALYSIS_INVALID_TIME', `${path}: ${String(ms)} is not a finite time in milliseconds; pass a monotonic clock reading`);
  }
}
