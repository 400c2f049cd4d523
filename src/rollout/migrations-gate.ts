/**
 * The `migrations` gate: check-migrations on the configured SQL, in-process. It reads and parses
 * the files and never connects to a database. The reason lists the findings (bounded, for the
 * state file and the notification) because the operator must see which statement blocks.
 */
import type { Dialect, MigrationPhase } from '../migrations/index.js';
import type { GateOutcome } from './gates.js';

/** Findings quoted in the reason; the rest are counted. `cutover check-migrations` shows them all. */
const FINDINGS_IN_REASON = 5;

export async function migrationsGate(gate: { path: string | string[]; dialect: Dialect; phase: MigrationPhase }, signal: AbortSignal): Promise<GateOutcome> {
  const paths = Array.isArray(gate.path) ? gate.path : [gate.path];
  const what = `migrations ${paths.join(', ')} (${gate.dialect}, ${gate.phase})`;
  // Loaded on first use: the parsers cost the proxy process ~40 MB it needs only with this gate.
  const { checkPaths, MigrationInputError } = await import('../migrations/index.js');
  try {
    const report = await checkPaths(paths, { dialect: gate.dialect, phase: gate.phase });
    if (signal.aborted) return { passed: false, reason: `${what}: cancelled` };
    if (report.files.length === 0) return { passed: false, reason: `${what}: no .sql files found; check the gate's path` };
    const errors = report.findings.filter((f) => f.level === 'error');
    if (errors.length === 0) return { passed: true, reason: `${what}: ${report.files.length} file(s) safe` };
    const listed = errors.slice(0, FINDINGS_IN_REASON).map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}: ${f.message}`);
    const more = errors.length > FINDINGS_IN_REASON ? `; and ${errors.length - FINDINGS_IN_REASON} more (run cutover check-migrations)` : '';
    return { passed: false, reason: `${what}: ${errors.length} unsafe finding(s): ${listed.join('; ')}${more}` };
  } catch (err) {
    if (err instanceof MigrationInputError) return { passed: false, reason: `${what}: ${err.message}` };
    return { passed: false, reason: `${what}: check failed: ${(err as Error).message}` };
  }
}
