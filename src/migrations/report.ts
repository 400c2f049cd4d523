/** The check-migrations report as text for people, JSON for scripts, SARIF 2.1.0 for code scanning. */
import { relative, sep } from 'node:path';
import { META_RULES, RULES } from './rules/index.js';
import type { CheckReport } from './check.js';
import type { CheckOptions } from './check.js';

import type { ReportFormat } from './report-formats.js';

const DOCS = 'docs/migrations.md';

export function formatReport(report: CheckReport, options: CheckOptions, format: ReportFormat): string {
  switch (format) {
    case 'text':
      return textReport(report, options);
    case 'json':
      return JSON.stringify({ dialect: options.dialect, phase: options.phase, safe: report.safe, files: report.files, findings: report.findings }, null, 2) + '\n';
    case 'sarif':
      return JSON.stringify(sarif(report), null, 2) + '\n';
    default:
      throw new Error(`unknown format ${String(format satisfies never)}`);
  }
}

function textReport(report: CheckReport, o: CheckOptions): string {
  const out: string[] = [];
  for (const f of report.findings) {
    out.push(`${f.file}:${f.line}:${f.column}: ${f.level} [${f.ruleId}] ${f.message}`);
    if (f.lock) out.push(`  lock: ${f.lock}`);
    if (f.alternative) out.push(`  instead: ${f.alternative}`);
  }
  const n = report.findings.length;
  const files = `${report.files.length} file${report.files.length === 1 ? '' : 's'}`;
  out.push(report.safe
    ? `ok: ${files} checked (${o.dialect}, ${o.phase} phase), ${n === 0 ? 'nothing unsafe' : `${n} warning(s)`}`
    : `unsafe: ${n} finding${n === 1 ? '' : 's'} in ${files} (${o.dialect}, ${o.phase} phase); fix them, or allow one with '-- cutover:allow RULE: why' on the line before the statement`);
  return out.join('\n') + '\n';
}

/** SARIF 2.1.0 (OASIS): one run, every rule in the driver, 1-based lines and columns. */
function sarif(report: CheckReport): object {
  const rules = [
    ...RULES.map((r) => ({
      id: r.id,
      shortDescription: { text: r.why },
      fullDescription: { text: `${r.why}. Lock: ${r.lock ?? 'none to speak of'}. Instead: ${r.alternative}` },
      help: { text: r.alternative },
      helpUri: `${DOCS}#${r.id}`,
      properties: { category: r.category, phases: r.phases, dialects: r.dialects },
    })),
    ...Object.entries(META_RULES).map(([id, text]) => ({ id, shortDescription: { text }, helpUri: `${DOCS}#${id}` })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'cutover check-migrations', informationUri: 'https://github.com/cutover/cutover/blob/main/docs/migrations.md', rules } },
      results: report.findings.map((f) => ({
        ruleId: f.ruleId,
        ruleIndex: index.get(f.ruleId),
        level: f.level,
        message: { text: f.alternative ? `${f.message}. Instead: ${f.alternative}` : f.message },
        locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.file) }, region: { startLine: f.line, startColumn: f.column } } }],
      })),
    }],
  };
}

/** SARIF wants URIs: relative paths with forward slashes resolve against the repository root. */
function uri(file: string): string {
  const rel = relative(process.cwd(), file);
  const path = rel.startsWith('..') ? file : rel;
  return path.split(sep).map(encodeURIComponent).join('/');
}
