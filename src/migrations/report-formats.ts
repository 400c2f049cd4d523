/** Output formats of check-migrations; apart so the CLI can list them without loading the parsers. */
export type ReportFormat = 'text' | 'json' | 'sarif';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif'];
