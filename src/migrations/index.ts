/** migrations/: SQL migration safety for check-migrations and the migrations gate. No proxy code. */
export { checkPaths, checkSql, MigrationInputError, sqlFiles, type CheckOptions, type CheckReport } from './check.js';
export { formatReport } from './report.js';
export { REPORT_FORMATS, type ReportFormat } from './report-formats.js';
export { META_RULES, RULES, RULE_IDS } from './rules/index.js';
export { DIALECTS, MIGRATION_PHASES, type Dialect, type Finding, type MigrationPhase, type Rule } from './types.js';
