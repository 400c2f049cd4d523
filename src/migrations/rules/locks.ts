/**
 * Changes that take a lock long enough to stall every query on the table: both versions time
 * out together, which looks like a bad canary but is the migration. PostgreSQL first; SQL
 * Server and MySQL where the same operation blocks writes there too.
 */
import type { Rule } from '../types.js';
import { changesOf } from './breaking.js';

export const createIndexNonConcurrent: Rule = {
  id: 'create-index-non-concurrent', category: 'lock', phases: ['expand', 'contract'], dialects: ['postgres', 'sqlserver'],
  why: 'building the index blocks every INSERT, UPDATE and DELETE on the table until it finishes',
  lock: 'SHARE for the whole build (PostgreSQL); an offline build blocks writes (SQL Server)',
  alternative: 'CREATE INDEX CONCURRENTLY, outside a transaction (PostgreSQL); WITH (ONLINE = ON) (SQL Server Enterprise/Azure)',
  check: (s, c) => changesOf(s, c, 'createIndex').filter((x) => !x.concurrent && !x.online).map((x) => ({ subject: x.table })),
};

export const concurrentIndexInTransaction: Rule = {
  id: 'concurrent-index-in-transaction', category: 'lock', phases: ['expand', 'contract'], dialects: ['postgres'],
  why: 'CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block: the migration fails half applied',
  lock: null,
  alternative: 'put the concurrent index in its own migration without BEGIN/COMMIT (and tell the migration tool not to wrap it)',
  check: (s, c) => {
    if (!c.inTransaction) return [];
    const creates = s.changes.filter((x) => (x.kind === 'createIndex' || x.kind === 'dropIndex') && x.concurrent);
    return creates.map((x) => ({ subject: 'table' in x ? x.table : 'index' }));
  },
};

export const foreignKeyWithoutNotValid: Rule = {
  id: 'foreign-key-without-not-valid', category: 'lock', phases: ['expand', 'contract'], dialects: ['postgres', 'mysql'],
  why: 'validating every existing row blocks writes on both tables for the whole scan (MySQL: a table copy)',
  lock: 'SHARE ROW EXCLUSIVE on the table and the referenced table during validation (PostgreSQL); ALGORITHM=COPY, writes blocked (MySQL)',
  alternative: 'ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a separate statement (PostgreSQL); SET foreign_key_checks = 0 before it, so InnoDB adds it in place (MySQL; check the data yourself)',
  check: (s, c) => changesOf(s, c, 'addConstraint')
    .filter((x) => x.constraint === 'foreignKey' && !x.notValid && !(c.dialect === 'mysql' && c.foreignKeyChecksOff))
    .map((x) => ({ subject: x.table })),
};

export const checkWithoutNotValid: Rule = {
  id: 'check-without-not-valid', category: 'lock', phases: ['expand', 'contract'], dialects: ['postgres'],
  why: 'checking every existing row holds ACCESS EXCLUSIVE, blocking reads and writes, for the whole scan',
  lock: 'ACCESS EXCLUSIVE during the scan',
  alternative: 'ADD CONSTRAINT ... CHECK (...) NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT separately',
  check: (s, c) => changesOf(s, c, 'addConstraint').filter((x) => x.constraint === 'check' && !x.notValid).map((x) => ({ subject: x.table })),
};

export const volatileDefaultRewrite: Rule = {
  id: 'volatile-default-rewrite', category: 'lock', phases: ['expand', 'contract'], dialects: ['postgres'],
  why: 'a volatile default (or serial/identity/stored generated column) is computed per row, so the whole table is rewritten under ACCESS EXCLUSIVE',
  lock: 'ACCESS EXCLUSIVE for the whole rewrite',
  alternative: 'add the column with no default (or a constant one), set the volatile DEFAULT in a separate ALTER (applies to new rows only), and backfill old rows in batches',
  check: (s, c) => changesOf(s, c, 'addColumn').filter((x) => x.volatileDefault !== null).map((x) => ({ subject: `${x.table}.${x.column}`, detail: `default ${x.volatileDefault}` })),
};

export const typeChangeRewrite: Rule = {
  id: 'type-change-rewrite', category: 'lock', phases: ['expand', 'contract'], dialects: ['postgres', 'mysql', 'sqlserver'],
  why: 'changing a column type rewrites or re-checks every row while the table is locked',
  lock: 'ACCESS EXCLUSIVE for the rewrite (PostgreSQL); a blocking table copy (MySQL); Sch-M for a size-of-data change (SQL Server)',
  alternative: 'add a new column of the new type and backfill in batches; in MySQL add ALGORITHM=INPLACE, LOCK=NONE so the server refuses instead of blocking',
  check: (s, c) => (s.lock === null && c.dialect !== 'postgres' ? [] : changesOf(s, c, 'changeColumnType').map((x) => ({ subject: `${x.table}.${x.column}`, detail: `to ${x.type}` }))),
};

export const accessExclusiveWithoutLockTimeout: Rule = {
  id: 'access-exclusive-without-lock-timeout', category: 'lock', phases: ['expand', 'contract'], dialects: ['postgres'],
  why: 'waiting for ACCESS EXCLUSIVE queues every later query on the table behind it, so one slow reader stalls all traffic',
  lock: 'ACCESS EXCLUSIVE',
  alternative: "SET lock_timeout = '2s' before the statement (and retry the migration on timeout)",
  check: (s, c) => {
    if (s.lock !== 'ACCESS EXCLUSIVE' || c.lockTimeout !== 'none') return [];
    const tables = s.lockedTables.filter((t) => !c.createdHere.has(t));
    return tables.length > 0 ? [{ subject: tables.join(', ') }] : [];
  },
};
