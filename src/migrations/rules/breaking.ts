/**
 * Changes that break the version still running during a canary: both versions share one
 * database, so the old code must keep working against the new schema until it is gone.
 */
import type { Rule, RuleContext, RuleHit, SchemaChange, Statement } from '../types.js';

const ALL = ['postgres', 'mysql', 'sqlserver', 'sqlite'] as const;

/** The changes of one kind on tables the old version knows (not created earlier in this file). */
export function changesOf<K extends SchemaChange['kind']>(s: Statement, c: RuleContext, kind: K): Extract<SchemaChange, { kind: K }>[] {
  return s.changes.filter((x): x is Extract<SchemaChange, { kind: K }> => x.kind === kind && !('table' in x && c.createdHere.has(x.table)));
}

const hits = <T>(items: T[], f: (x: T) => RuleHit): RuleHit[] => items.map(f);

export const dropColumn: Rule = {
  id: 'drop-column', category: 'breaking', phases: ['expand'], dialects: ALL,
  why: 'the old version still selects or writes this column; its queries fail as soon as the column is gone',
  lock: 'ACCESS EXCLUSIVE on the table (brief, but queued behind every running query)',
  alternative: 'stop reading and writing the column in the new version, ship it, and drop the column in the contract migration once the old version is gone',
  check: (s, c) => hits(changesOf(s, c, 'dropColumn'), (x) => ({ subject: `${x.table}.${x.column}` })),
};

export const dropTable: Rule = {
  id: 'drop-table', category: 'breaking', phases: ['expand'], dialects: ALL,
  why: 'the old version still queries this table; every such request fails once it is dropped',
  lock: 'ACCESS EXCLUSIVE on the table',
  alternative: 'stop using the table in the new version, ship it, and drop the table in the contract migration once the old version is gone',
  check: (s, c) => hits(changesOf(s, c, 'dropTable'), (x) => (c.replacedLater.has(x.table)
    ? { subject: x.table, detail: 'a table rebuild: another table is renamed to this name later in the file; it breaks the old version if the new shape drops, renames or retypes a column it uses' }
    : { subject: x.table })),
};

export const renameColumn: Rule = {
  id: 'rename-column', category: 'breaking', phases: ['expand', 'contract'], dialects: ALL,
  why: 'the old version still uses the old name; its queries fail the moment the column is renamed',
  lock: 'ACCESS EXCLUSIVE on the table',
  alternative: 'expand: add the new column, write both, backfill, read the new one; contract: drop the old column (a drop, not a rename)',
  check: (s, c) => hits(changesOf(s, c, 'renameColumn'), (x) => ({ subject: `${x.table}.${x.column}`, detail: `renamed to ${x.to}` })),
};

export const renameTable: Rule = {
  id: 'rename-table', category: 'breaking', phases: ['expand', 'contract'], dialects: ALL,
  why: 'the old version still queries the old name; every such query fails once the table is renamed',
  lock: 'ACCESS EXCLUSIVE on the table',
  alternative: 'expand: create the new table (or a view under the new name), write both, backfill, switch reads; contract: drop the old table or view',
  check: (s, c) => hits(changesOf(s, c, 'renameTable'), (x) => ({ subject: x.table, detail: `renamed to ${x.to}` })),
};

export const changeColumnType: Rule = {
  id: 'change-column-type', category: 'breaking', phases: ['expand'], dialects: ALL,
  why: 'the old version reads and writes the column with its old type; values it sends may be rejected or silently converted',
  lock: 'ACCESS EXCLUSIVE while the table is rewritten (PostgreSQL); a table copy that blocks writes (MySQL without LOCK=NONE)',
  alternative: 'expand: add a column of the new type, write both, backfill in batches, read the new one; contract: drop the old column',
  check: (s, c) => hits(changesOf(s, c, 'changeColumnType'), (x) => ({ subject: `${x.table}.${x.column}`, detail: `to ${x.type}` })),
};

export const addNotNullColumnWithoutDefault: Rule = {
  id: 'add-not-null-column-without-default', category: 'breaking', phases: ['expand', 'contract'], dialects: ALL,
  why: 'the old version does not fill the new column, so its INSERTs fail (and on a populated table the statement itself fails)',
  lock: null,
  alternative: 'add the column as NULL (or NOT NULL with a constant DEFAULT), have the new version fill it, backfill, then add NOT NULL in the contract migration',
  check: (s, c) => [
    ...hits(changesOf(s, c, 'addColumn').filter((x) => x.notNull && !x.hasDefault && !x.generated), (x) => ({ subject: `${x.table}.${x.column}` })),
    // Django's AddField adds NOT NULL DEFAULT x, then drops the default: the same break, one statement later.
    ...hits(changesOf(s, c, 'dropDefault').filter((x) => c.notNullAddedHere.has(`${x.table}.${x.column}`)),
      (x) => ({ subject: `${x.table}.${x.column}`, detail: 'added NOT NULL above; dropping its DEFAULT leaves it without one' })),
  ],
};

export const setNotNull: Rule = {
  id: 'set-not-null', category: 'breaking', phases: ['expand', 'contract'], dialects: ['postgres'],
  why: 'the old version may still write NULL here (its INSERTs then fail), and PostgreSQL scans the whole table under ACCESS EXCLUSIVE to check',
  lock: 'ACCESS EXCLUSIVE for a full-table scan',
  alternative: "contract, once only the new version writes: ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT NULL (PostgreSQL 12+ skips the scan) — allow it with '-- cutover:allow set-not-null: <why>'",
  check: (s, c) => hits(changesOf(s, c, 'setNotNull'), (x) => ({ subject: `${x.table}.${x.column}` })),
};

export const addUniqueConstraint: Rule = {
  id: 'add-unique-constraint', category: 'breaking', phases: ['expand', 'contract'], dialects: ['postgres', 'mysql', 'sqlserver'],
  why: 'the old version may write duplicates, which now fail; and the unique index is built while the table is locked',
  lock: 'ACCESS EXCLUSIVE while the index builds (PostgreSQL); blocks writes (SQL Server offline build)',
  alternative: 'CREATE UNIQUE INDEX CONCURRENTLY, then ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX (PostgreSQL); make sure no version writes duplicates first',
  // An EXCLUDE constraint is a generalised UNIQUE: the same rejected writes, the same index build.
  check: (s, c) => hits(changesOf(s, c, 'addConstraint').filter((x) => (x.constraint === 'unique' || x.constraint === 'exclusion') && !x.usingIndex),
    (x) => ({ subject: x.table, detail: x.constraint === 'exclusion' ? 'EXCLUDE constraint' : undefined })),
};

export const addPrimaryKey: Rule = {
  id: 'add-primary-key', category: 'breaking', phases: ['expand', 'contract'], dialects: ['postgres', 'mysql', 'sqlserver'],
  why: 'the old version may write NULLs or duplicates in the key columns, which now fail; and the index is built under a lock',
  lock: 'ACCESS EXCLUSIVE while the index builds and NOT NULL is checked (PostgreSQL); a table rebuild (MySQL, SQL Server)',
  alternative: 'CREATE UNIQUE INDEX CONCURRENTLY on NOT NULL columns, then ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX (PostgreSQL)',
  check: (s, c) => hits(changesOf(s, c, 'addConstraint').filter((x) => x.constraint === 'primaryKey' && !x.usingIndex), (x) => ({ subject: x.table })),
};

export const truncate: Rule = {
  id: 'truncate', category: 'data-loss', phases: ['expand', 'contract'], dialects: ['postgres', 'mysql', 'sqlserver'],
  why: 'removes every row that both versions still serve, and takes the strongest lock to do it',
  lock: 'ACCESS EXCLUSIVE on every table named (and CASCADE ones)',
  alternative: 'delete the rows you mean in batches (DELETE ... WHERE ... LIMIT), or drop the table in a contract migration once nothing uses it',
  check: (s, c) => hits(changesOf(s, c, 'truncate').map((x) => ({ ...x, tables: x.tables.filter((t) => !c.createdHere.has(t)) })).filter((x) => x.tables.length > 0),
    (x) => ({ subject: x.tables.join(', ') })),
};

export const proceduralCode: Rule = {
  id: 'procedural-code', category: 'unchecked', phases: ['expand', 'contract'], dialects: ['postgres', 'mysql', 'sqlserver'],
  why: 'a DO block, CALL or EXEC of a procedure runs statements cutover cannot see one by one, so it cannot say they are safe',
  lock: 'whatever the statements inside take',
  alternative: "write the DDL as plain statements so each is checked, or allow it with '-- cutover:allow procedural-code: what it does and why that is safe'",
  check: (s, c) => hits(changesOf(s, c, 'opaqueCode'), (x) => ({ subject: x.what })),
};
