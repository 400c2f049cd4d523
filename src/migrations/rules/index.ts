/** The rule catalogue: every id is stable, documented in docs/migrations.md and in SARIF output. */
import type { Rule } from '../types.js';
import {
  addNotNullColumnWithoutDefault, addPrimaryKey, addUniqueConstraint, changeColumnType, dropColumn, dropTable, renameColumn,
  proceduralCode, renameTable, setNotNull, truncate,
} from './breaking.js';
import {
  accessExclusiveWithoutLockTimeout, checkWithoutNotValid, concurrentIndexInTransaction, createIndexNonConcurrent,
  foreignKeyWithoutNotValid, typeChangeRewrite, volatileDefaultRewrite,
} from './locks.js';

export const RULES: readonly Rule[] = [
  dropColumn, dropTable, renameColumn, renameTable, changeColumnType, addNotNullColumnWithoutDefault, setNotNull,
  addUniqueConstraint, addPrimaryKey, truncate,
  createIndexNonConcurrent, concurrentIndexInTransaction, foreignKeyWithoutNotValid, checkWithoutNotValid,
  volatileDefaultRewrite, typeChangeRewrite, accessExclusiveWithoutLockTimeout,
  proceduralCode,
];

/** Findings that are not rules over SQL: the file itself or a suppression is wrong. */
export const META_RULES = {
  'parse-error': 'the file does not parse in this dialect, so nothing in it can be called safe; fix the SQL or pick the right --dialect',
  'suppression-without-reason': "a '-- cutover:allow RULE: why' needs the why, so the next reader knows it was deliberate",
  'suppression-unknown-rule': "a '-- cutover:allow' names a rule id that does not exist; see docs/migrations.md for the ids",
  'suppression-without-statement': "a '-- cutover:allow' with no statement after it suppresses nothing",
  'suppression-unused': "a '-- cutover:allow' names a rule that does not fire on the next statement: stale after an edit, or above the wrong statement (a warning: exit 0)",
} as const;

export type MetaRuleId = keyof typeof META_RULES;

export const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((r) => r.id));
