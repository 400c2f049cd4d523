// Parsers for the human units the YAML accepts. Each returns a number in the base
// unit (ms, bytes, percent) or a string saying what is wrong, so the schema can
// attach the message to the field's path.

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i;
const PERCENT_RE = /^(-?\d+(?:\.\d+)?)\s*%?$/;

export function parseDuration(input: unknown): number | string {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? input : 'must be a non-negative duration';
  }
  if (typeof input !== 'string') return 'must be a duration such as 500ms, 30s, 5m, 1h or 1d';
  const m = DURATION_RE.exec(input.trim());
  if (!m) return `"${input}" is not a duration: use a number with ms, s, m, h or d (for example 30s)`;
  return Math.round(Number(m[1]) * DURATION_UNITS_MS[m[2] as string]!);
}

export function parseSize(input: unknown): number | string {
  if (typeof input === 'number') {
    return Number.isInteger(input) && input >= 0 ? input : 'must be a whole number of bytes';
  }
  if (typeof input !== 'string') return 'must be a size such as 64kb, 10mb or 1gb';
  const m = SIZE_RE.exec(input.trim());
  if (!m) return `"${input}" is not a size: use a number with kb, mb or gb (for example 10mb)`;
  return Math.round(Number(m[1]) * SIZE_UNITS_BYTES[(m[2] as string).toLowerCase()]!);
}

/** A percentage as a number from 0 to 100: `25`, `25%`, `0.5%`. */
export function parsePercent(input: unknown): number | string {
  let value: number;
  if (typeof input === 'number') value = input;
  else if (typeof input === 'string' && PERCENT_RE.test(input.trim())) value = Number.parseFloat(input);
  else return 'must be a percentage such as 25, 25% or 0.5%';
  if (!Number.isFinite(value) || value < 0 || value > 100) return `must be between 0 and 100 (got ${String(input)})`;
  return value;
}
