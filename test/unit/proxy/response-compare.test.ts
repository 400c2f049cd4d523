import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import type { ShadowConfig } from '../../../src/config/schema.js';
import { BodyCapture, CompareRules, compareResponses, jsonDifference, parseJsonPath, type CapturedResponse } from '../../../src/proxy/response-compare.js';

function rules(shadow: string): CompareRules {
  const text = [
    'routes:',
    '  - name: shop',
    '    stable: { endpoints: [http://127.0.0.1:3001] }',
    '    canary: { endpoints: [http://127.0.0.1:3002] }',
    `    rollout: { shadow: ${shadow} }`,
  ].join('\n');
  return new CompareRules(parseConfigText(text, 'cutover.yaml', {}).config.routes[0]!.rollout!.shadow as ShadowConfig);
}

function answer(status: number, headers: Record<string, string>, body: string | Buffer, limit = 64 * 1024, chunk = 7): CapturedResponse {
  const capture = new BodyCapture(limit);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  for (let i = 0; i < bytes.length; i += chunk) capture.add(bytes.subarray(i, i + chunk));
  const raw: Buffer[] = [];
  for (const [k, v] of Object.entries(headers)) raw.push(Buffer.from(k), Buffer.from(v));
  return { status, rawHeaders: raw, body: capture };
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

describe('compareResponses', () => {
  const r = rules('{ share: 10%, ignore: { headers: [x-request-id], jsonPaths: [$.generatedAt, "$.items[*].seen", "$[\'odd key\']"] }, redactHeaders: [x-session] }');

  it('agrees on JSON equal up to key order, ignored paths, ignored headers, date and framing', () => {
    const s = answer(200, { ...JSON_TYPE, date: 'Mon', 'x-request-id': 'a', 'content-length': '90' }, '{"a":1,"b":[1,2],"generatedAt":"t1","items":[{"id":1,"seen":"x"}],"odd key":1}');
    const c = answer(200, { ...JSON_TYPE, date: 'Tue', 'x-request-id': 'b', 'content-length': '99' }, '{ "items":[{"seen":"y","id":1}], "b":[1,2], "a":1, "generatedAt":"t2-longer", "odd key": 2 }');
    expect(compareResponses(r, s, c)).toBeNull();
  });

  it('names the status, the header or the JSON path that differs', () => {
    expect(compareResponses(r, answer(200, {}, 'x'), answer(503, {}, 'x'))).toEqual({ part: 'status', diff: 'status 200 → 503' });
    expect(compareResponses(r, answer(200, { 'x-version': '1' }, 'x'), answer(200, { 'x-version': '2' }, 'x'))).toEqual({ part: 'headers', diff: 'x-version: "1" → "2"' });
    expect(compareResponses(r, answer(200, {}, 'x'), answer(200, { 'x-new': 'y' }, 'x'))).toEqual({ part: 'headers', diff: 'x-new: (absent) → "y"' });
    expect(compareResponses(r, answer(200, JSON_TYPE, '{"p":{"price":10}}'), answer(200, JSON_TYPE, '{"p":{"price":11}}'))).toEqual({ part: 'body', diff: '$.p.price: 10 → 11' });
    expect(compareResponses(r, answer(200, JSON_TYPE, '[1,2]'), answer(200, JSON_TYPE, '[1,2,3]'))?.diff).toBe('$: 2 → 3 elements');
  });

  it('redacts credentials and configured headers in the diff', () => {
    for (const name of ['set-cookie', 'authorization', 'x-session']) {
      const d = compareResponses(r, answer(200, { [name]: 'secret-1' }, ''), answer(200, { [name]: 'secret-2' }, ''));
      expect(d).toEqual({ part: 'headers', diff: `${name}: [redacted] → [redacted]` });
    }
  });

  it('compares other bodies byte for byte and shows where they part', () => {
    expect(compareResponses(r, answer(200, {}, 'hello world'), answer(200, {}, 'hello world'))).toBeNull();
    expect(compareResponses(r, answer(200, {}, 'hello world'), answer(200, {}, 'hello there'))?.diff).toBe('body differs at byte 6: "hello world" → "hello there"');
    // Invalid JSON under a JSON content type falls back to bytes.
    expect(compareResponses(r, answer(200, JSON_TYPE, '{oops'), answer(200, JSON_TYPE, '{oops'))).toBeNull();
  });

  it('hashes bodies above the limit: equal ones agree, a one-byte change is found, memory stays bounded', () => {
    const big = Buffer.alloc(200_000, 'a');
    const changed = Buffer.from(big);
    changed[150_000] = 0x62;
    const s = answer(200, {}, big, 1024, 4096);
    expect(s.body.bytes()).toBeNull();
    expect(compareResponses(r, s, answer(200, {}, big, 1024, 4096))).toBeNull();
    expect(compareResponses(r, answer(200, {}, big, 1024, 4096), answer(200, {}, changed, 1024, 4096))?.diff).toMatch(/^body differs \(200000 → 200000 bytes, compared by SHA-256 above 65536 bytes\)$/);
  });
});

describe('JSON paths', () => {
  it('parses the supported subset', () => {
    expect(parseJsonPath("$.a.b[*]['c d'][0]")).toEqual(['a', 'b', '*', 'c d', 0]);
  });

  it('reports the first difference with a readable path', () => {
    expect(jsonDifference({ a: { 'x-y': 1 } }, { a: { 'x-y': 2 } }, '$')).toBe('$.a["x-y"]: 1 → 2');
    expect(jsonDifference({ a: 1 }, { a: 1, b: null }, '$')).toBe('$.b: (absent) → null');
    expect(jsonDifference({ a: 1 }, {}, '$')).toBe('$.a: 1 → (absent)');
  });
});
