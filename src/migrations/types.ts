/**
 * The statement model every dialect is normalised into, so one set of rules serves PostgreSQL,
 * MySQL, SQL Server and SQLite. An adapter parses the file with the dialect's real grammar and
 * says, per statement, which schema changes it makes; the rules only ever look at this model.
 */

export type Dialect = 'postgres' | 'mysql' | 'sqlserver' | 'sqlite';
export const DIALECTS: readonly Dialect[] = ['postgres', 'mysql', 'sqlserver', 'sqlite'];

/** expand: both versions run against the schema; contract: the old version is gone. */
export type MigrationPhase = 'expand' | 'contract';
export const MIGRATION_PHASES: readonly MigrationPhase[] = ['expand', 'contract'];

export type ConstraintKind = 'unique' | 'primaryKey' | 'foreignKey' | 'check' | 'exclusion' | 'other';

/** One schema change; a statement can make several (ALTER TABLE with many clauses). */
export type SchemaChange =
  | { kind: 'createTable'; table: string }
  | { kind: 'dropTable'; table: string }
  | { kind: 'renameTable'; table: string; to: string }
  | { kind: 'addColumn'; table: string; column: string; notNull: boolean; hasDefault: boolean; volatileDefault: string | null; generated: boolean }
  | { kind: 'dropColumn'; table: string; column: string }
  | { kind: 'renameColumn'; table: string; column: string; to: string }
  | { kind: 'changeColumnType'; table: string; column: string; type: string }
  | { kind: 'setNotNull'; table: string; column: string }
  | { kind: 'dropDefault'; table: string; column: string }
  | { kind: 'addConstraint'; table: string; constraint: ConstraintKind; notValid: boolean; usingIndex: boolean }
  | { kind: 'createIndex'; table: string; concurrent: boolean; unique: boolean; online: boolean }
  | { kind: 'dropIndex'; concurrent: boolean }
  | { kind: 'truncate'; tables: string[] }
  /** Code whose statements the parser does not expose: a PostgreSQL DO block or CALL. */
  | { kind: 'opaqueCode'; what: string };

/** PostgreSQL's table lock levels that matter here (docs: "Explicit Locking", table 13.2). */
export type LockLevel = 'ACCESS EXCLUSIVE' | 'SHARE ROW EXCLUSIVE' | 'SHARE' | 'SHARE UPDATE EXCLUSIVE' | null;

export interface Statement {
  /** UTF-16 offset of the statement's first token in the file's text. */
  start: number;
  end: number;
  changes: SchemaChange[];
  /** begin/commit of an explicit transaction block, as far as it affects the rules. */
  transaction: 'begin' | 'commit' | null;
  /**
   * `SET lock_timeout = <non-zero>` (PostgreSQL) or `SET LOCK_TIMEOUT n` (SQL Server): set;
   * `SET LOCAL ...`: set until the transaction ends; `= 0`, `DEFAULT` or `RESET`: reset.
   */
  lockTimeout: 'set' | 'setLocal' | 'reset' | null;
  /** MySQL's `SET foreign_key_checks = 0|1`, where the statement sets it. */
  foreignKeyChecks?: boolean;
  /** The strongest lock it takes on an existing table, where the dialect adapter knows it. */
  lock: LockLevel;
  /** Tables the lock is taken on (for the message and the "created in this file" exemption). */
  lockedTables: string[];
  /** Offset of the clause a finding should point at, when it is not the statement's start. */
  at?: number;
}

/** A file that does not parse: where, and what the parser said. */
export interface ParseFailure {
  offset: number;
  message: string;
}

export interface ParsedFile {
  statements: Statement[];
  failure: ParseFailure | null;
}

export type RuleCategory = 'breaking' | 'lock' | 'data-loss' | 'unchecked';

/** What the rules see beside the statement: where it stands in the file. */
export interface RuleContext {
  dialect: Dialect;
  inTransaction: boolean;
  /** A lock_timeout in force: for the session, until the transaction ends, or none. */
  lockTimeout: 'session' | 'local' | 'none';
  /** Tables created earlier in the same file: empty and unknown to the old version. */
  createdHere: ReadonlySet<string>;
  /** `table.column` added NOT NULL with a DEFAULT earlier in the file (a later DROP DEFAULT breaks old INSERTs). */
  notNullAddedHere: ReadonlySet<string>;
  /** MySQL: `SET foreign_key_checks = 0` in force, so a new foreign key is added in place, unvalidated. */
  foreignKeyChecksOff: boolean;
  /** Tables that a later statement renames another table to: a drop here is half of a rebuild. */
  replacedLater: ReadonlySet<string>;
}

/** A match of a rule on one statement; the rule adds its why, lock and alternative. */
export interface RuleHit {
  /** What exactly, e.g. `users.email`. */
  subject: string;
  detail?: string;
}

export interface Rule {
  id: string;
  category: RuleCategory;
  /** One line: what breaks for the version still running, or what it blocks. */
  why: string;
  /** The lock it takes where that matters (PostgreSQL names unless said). */
  lock: string | null;
  /** The safe expand/contract way to reach the same schema. */
  alternative: string;
  /** Phases in which the rule applies; contract drops what expand defers. */
  phases: readonly MigrationPhase[];
  dialects: readonly Dialect[];
  check(statement: Statement, context: RuleContext): RuleHit[];
}

export type FindingLevel = 'error' | 'warning';

export interface Finding {
  file: string;
  line: number;
  column: number;
  ruleId: string;
  level: FindingLevel;
  message: string;
  why: string;
  lock: string | null;
  alternative: string | null;
}
