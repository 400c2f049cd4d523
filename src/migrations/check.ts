/**
 * check-migrations: read each file, parse it with the dialect's grammar, walk its statements in
 * order (transaction blocks, lock_timeout, tables created here) and run every rule that applies
 * to the dialect and the phase. Never runs the SQL.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePostgres } from './postgres.js';
import { META_RULES, RULES, type MetaRuleId } from './rules/index.js';
import { parseStatement } from './sql-parser.js';
import { splitOnSemicolons } from './split.js';
import { readSuppressions, type Suppression } from './suppressions.js';
import { LexError, LineIndex, tokenize, type Token } from './tokens.js';
import { sqlServerStatements } from './tsql.js';
import type { Dialect, Finding, MigrationPhase, ParseFailure, ParsedFile, RuleContext, Statement } from './types.js';

export interface CheckOptions {
  dialect: Dialect;
  phase: MigrationPhase;
}

export interface CheckReport {
  files: string[];
  findings: Finding[];
  /** True when nothing at error level was found. */
  safe: boolean;
}

/** A path that cannot be read: said with the path and what to do, not as a finding. */
export class MigrationInputError extends Error {
  readonly code = 'CUTOVER_MIGRATIONS_INPUT';
}

export async function checkPaths(paths: readonly string[], options: CheckOptions): Promise<CheckReport> {
  const files = await sqlFiles(paths);
  const findings: Finding[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    findings.push(...(await checkSql(text, file, options)));
  }
  return { files, findings, safe: !findings.some((f) => f.level === 'error') };
}

/** Files as given; directories contribute their `.sql` files in name order (not recursive). */
export async function sqlFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch (err) {
      throw new MigrationInputError(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass a .sql file or a directory of them`);
    }
    if (info.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.toLowerCase().endsWith('.sql')).sort();
      out.push(...names.map((n) => join(p, n)));
    } else {
      out.push(p);
    }
  }
  return out;
}

export async function checkSql(source: string, file: string, options: CheckOptions): Promise<Finding[]> {
  // A UTF-8 byte order mark (Visual Studio and `dotnet ef ... -o` write one) is not SQL; editors
  // do not count it as a column either.
  let text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const lines = new LineIndex(text);
  const findings: Finding[] = [];
  const meta = (ruleId: MetaRuleId, offset: number, message: string): void => {
    const { line, column } = lines.at(offset);
    findings.push({ file, line, column, ruleId, level: 'error', message, why: META_RULES[ruleId], lock: null, alternative: null });
  };
  // MySQL runs what is inside /*!40101 ... */ (mysqldump writes them): blank the markers, check the SQL.
  if (options.dialect === 'mysql') text = withoutExecutableCommentMarkers(text);
  let tokens: Token[];
  try {
    tokens = tokenize(text, options.dialect);
  } catch (err) {
    if (!(err instanceof LexError)) throw err;
    meta('parse-error', err.failure.offset, `does not parse as ${options.dialect}: ${err.failure.message}`);
    return findings;
  }
  const parsed = await parseFile(text, tokens, options.dialect);
  if (parsed.failure) {
    meta('parse-error', parsed.failure.offset, `does not parse as ${options.dialect}: ${parsed.failure.message}`);
    return findings;
  }
  const { suppressions, problems } = readSuppressions(tokens);
  for (const p of problems) meta(p.ruleId, p.offset, p.message);
  const claimed = new Set<number>();
  const context: MutableContext = {
    dialect: options.dialect, inTransaction: false, lockTimeout: 'none', foreignKeyChecksOff: false, createdHere: new Set<string>(), notNullAddedHere: new Set<string>(),
    replacedLater: new Set(parsed.statements.flatMap((s) => s.changes.flatMap((ch) => (ch.kind === 'renameTable' ? [ch.to] : [])))),
  };
  for (const s of parsed.statements) {
    const allowed = new Set<string>();
    const mine: Suppression[] = [];
    suppressions.forEach((sup, i) => {
      if (claimed.has(i) || sup.end > s.start) return;
      claimed.add(i);
      mine.push(sup);
      sup.rules.forEach((r) => allowed.add(r));
    });
    const used = new Set<string>();
    findings.push(...evaluate(s, context, options, allowed, used, file, lines));
    for (const sup of mine) {
      // A rule that applies here but has nothing to allow: the statement changed, the allow did not.
      const stale = sup.rules.filter((r) => !used.has(r) && RULES.some((x) => x.id === r && x.dialects.includes(options.dialect) && x.phases.includes(options.phase)));
      if (stale.length > 0) {
        const { line, column } = lines.at(sup.start);
        findings.push({
          file, line, column, ruleId: 'suppression-unused', level: 'warning', why: META_RULES['suppression-unused'], lock: null, alternative: null,
          message: `'cutover:allow ${stale.join(', ')}' allows nothing on the next statement; remove it, or move it above the statement it is for`,
        });
      }
    }
    advance(context, s);
  }
  suppressions.forEach((sup, i) => {
    if (!claimed.has(i)) meta('suppression-without-statement', sup.start, `'cutover:allow ${sup.rules.join(', ')}' is not followed by a statement`);
  });
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

function withoutExecutableCommentMarkers(text: string): string {
  if (!text.includes('/*!')) return text;
  let tokens: Token[];
  try {
    tokens = tokenize(text, 'mysql');
  } catch {
    return text;
  }
  let out = text;
  for (const t of tokens) {
    if (t.kind !== 'comment' || text[t.start + 1] !== '*' || text[t.start + 2] !== '!') continue;
    const open = /^\/\*!\d*/.exec(text.slice(t.start))![0].length;
    out = out.slice(0, t.start) + ' '.repeat(open) + out.slice(t.start + open, t.end - 2) + '  ' + out.slice(t.end);
  }
  return out;
}

async function parseFile(text: string, tokens: Token[], dialect: Dialect): Promise<ParsedFile> {
  if (dialect === 'postgres') return parsePostgres(text, tokens);
  const results: (Statement | ParseFailure)[] = dialect === 'sqlserver'
    ? sqlServerStatements(text, tokens)
    : splitOnSemicolons(tokens, dialect).map((r) => parseStatement(text, r, dialect));
  const failure = results.find((r): r is ParseFailure => !('changes' in r)) ?? null;
  return { statements: results.filter((r): r is Statement => 'changes' in r), failure };
}

/** Findings of every rule that applies; `used` collects the allowed rules that would have fired. */
function evaluate(s: Statement, c: RuleContext, o: CheckOptions, allowed: ReadonlySet<string>, used: Set<string>, file: string, lines: LineIndex): Finding[] {
  const out: Finding[] = [];
  const { line, column } = lines.at(s.at ?? s.start);
  for (const rule of RULES) {
    if (!rule.dialects.includes(o.dialect) || !rule.phases.includes(o.phase)) continue;
    const hits = rule.check(s, c);
    if (allowed.has(rule.id)) {
      if (hits.length > 0) used.add(rule.id);
      continue;
    }
    for (const hit of hits) {
      const what = hit.detail ? `${hit.subject} (${hit.detail})` : hit.subject;
      out.push({ file, line, column, ruleId: rule.id, level: 'error', message: `${what}: ${rule.why}`, why: rule.why, lock: rule.lock, alternative: rule.alternative });
    }
  }
  return out;
}

type MutableContext = RuleContext & { createdHere: Set<string>; notNullAddedHere: Set<string> };

function advance(c: MutableContext, s: Statement): void {
  if (s.transaction === 'begin') c.inTransaction = true;
  else if (s.transaction === 'commit') {
    c.inTransaction = false;
    // SET LOCAL lasts until the end of the transaction.
    if (c.lockTimeout === 'local') c.lockTimeout = 'none';
  }
  if (s.lockTimeout === 'set') c.lockTimeout = 'session';
  else if (s.lockTimeout === 'setLocal' && c.inTransaction) c.lockTimeout = 'local';
  else if (s.lockTimeout === 'reset') c.lockTimeout = 'none';
  if (s.foreignKeyChecks !== undefined) c.foreignKeyChecksOff = !s.foreignKeyChecks;
  for (const ch of s.changes) {
    if (ch.kind === 'createTable') c.createdHere.add(ch.table);
    if (ch.kind === 'addColumn' && ch.notNull && ch.hasDefault) c.notNullAddedHere.add(`${ch.table}.${ch.column}`);
  }
}
