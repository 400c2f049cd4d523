import { describe, expect, it } from 'vitest';
import { parseDuration, parsePercent, parseSize } from '../../../src/config/units.js';

describe('parseDuration → milliseconds', () => {
  it.each([
    ['500ms', 500], ['30s', 30_000], ['1.5s', 1_500], ['5m', 300_000], ['1h', 3_600_000], ['1d', 86_400_000],
    ['10 s', 10_000], [' 2m ', 120_000], [0, 0], [250, 250],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['30', '5 minutes', '1w', '-1s', 's', '', '1S'])('%j is refused with an example of the fix', (input) => {
    const out = parseDuration(input);
    expect(typeof out).toBe('string');
    expect(out).toContain('30s');
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('number %d is refused', (n) => {
    expect(typeof parseDuration(n)).toBe('string');
  });

  it('refuses other types', () => {
    expect(typeof parseDuration(true)).toBe('string');
    expect(typeof parseDuration(null)).toBe('string');
  });
});

describe('parseSize → bytes', () => {
  it.each([
    ['64kb', 65_536], ['10mb', 10_485_760], ['1gb', 1_073_741_824], ['1.5kb', 1_536], ['100b', 100], ['10MB', 10_485_760], [4096, 4096],
  ])('%j is %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(['10', '10 megs', '1tb', '-1kb', 'kb'])('%j is refused with an example of the fix', (input) => {
    const out = parseSize(input);
    expect(typeof out).toBe('string');
    expect(out).toContain('10mb');
  });

  it.each([1.5, -1])('number %d is refused', (n) => {
    expect(typeof parseSize(n)).toBe('string');
  });
});

describe('parsePercent → percent 0–100', () => {
  it.each([['25', 25], ['25%', 25], ['0.5%', 0.5], [0, 0], [100, 100], ['100 %', 100], [12.5, 12.5]])('%j is %d', (input, pct) => {
    expect(parsePercent(input)).toBe(pct);
  });

  it.each([101, -0.1, '150%', '-5'])('%j is out of range', (input) => {
    expect(parsePercent(input)).toContain('between 0 and 100');
  });

  it.each(['half', '5%%', '', true])('%j is not a percentage', (input) => {
    expect(parsePercent(input)).toContain('percentage');
  });
});
