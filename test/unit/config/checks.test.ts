import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, type ConfigIssue } from '../../../src/config/index.js';
import { escapePromqlString, fillTemplate, placeholders } from '../../../src/config/check-template.js';
import { JsonPathError, parseJsonPath, readJsonPath } from '../../../src/config/json-path.js';

const PROM = 'http://127.0.0.1:9090';

/** A route with revisions on both sides and the given checks (YAML lines, indented under checks:). */
function config(checkLines: string[], revisions = { stable: 'v1', canary: 'v2' }): string {
  return [
    'routes:',
    '  - name: shop',
    `    stable: { endpoints: [http://127.0.0.1:3001]${revisions.stable ? `, revision: ${revisions.stable}` : ''} }`,
    `    canary: { endpoints: [http://127.0.0.1:3002]${revisions.canary ? `, revision: ${revisions.canary}` : ''} }`,
    '    rollout:',
    '      checks:',
    ...checkLines.map((l) => `        ${l}`),
  ].join('\n') + '\n';
}

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfigText(text, 'cutover.yaml', {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('rollout.checks in the schema', () => {
  it('normalises a bounded Prometheus check with its defaults', () => {
    const { config: c } = parseConfigText(config([
      '- name: checkout-failures',
      `  prometheus: { url: ${PROM}, query: 'sum(rate(x{revision="{{canary.revision}}"}[1m]))' }`,
      '  max: 0.01',
    ]), 'f', {});
    expect(c.routes[0]!.rollout!.checks).toEqual([{
      name: 'checkout-failures', source: { kind: 'prometheus', url: PROM, query: 'sum(rate(x{revision="{{canary.revision}}"}[1m]))' },
      rule: { kind: 'bounds', max: 0.01 }, intervalMs: 30_000, timeoutMs: 5_000, failureLimit: 1, noData: 'hold',
    }]);
    expect(c.routes[0]!.stable.revision).toBe('v1');
  });

  it('reads a compare tolerance as relative with % and absolute in the metric unit without', () => {
    const rules = (tolerance: string) => parseConfigText(config([
      '- name: cpu',
      `  prometheus: { url: ${PROM}, query: 'x{revision="{{revision}}"}' }`,
      `  compare: { tolerance: ${tolerance} }`,
      '  interval: 2s',
    ]), 'f', {}).config.routes[0]!.rollout!.checks[0]!;
    expect(rules('20%').rule).toEqual({ kind: 'compare', relative: true, amount: 0.2, worse: 'higher' });
    expect(rules('0.05').rule).toEqual({ kind: 'compare', relative: false, amount: 0.05, worse: 'higher' });
    // The default timeout never exceeds a short interval.
    expect(rules('20%').timeoutMs).toBe(2_000);
  });

  it('takes an http check with max inside http, as DESIGN.md writes it', () => {
    const check = parseConfigText(config(['- name: orders-api', '  http: { url: http://127.0.0.1:3002/internal/selfcheck, field: $.errors, max: 0 }']), 'f', {})
      .config.routes[0]!.rollout!.checks[0]!;
    expect(check.source).toEqual({ kind: 'http', url: 'http://127.0.0.1:3002/internal/selfcheck', field: '$.errors', headers: {} });
    expect(check.rule).toEqual({ kind: 'bounds', max: 0 });
  });

  it('rejects a check without a bound, with its path and line', () => {
    const [issue, ...rest] = issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: up }`]));
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ path: 'routes[0].rollout.checks[0]', line: 7 });
    expect(issue!.message).toMatch(/needs max or min .* or compare/);
  });

  it('rejects two sources, both bounds and compare, unknown keys, a bad field path and duplicate names', () => {
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: up }`, '  http: { url: http://x/, field: $.a, max: 1 }', '  max: 1']))[0]!.message).toMatch(/exactly one source/);
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: 'x{revision="{{revision}}"}' }`, '  max: 1', '  compare: { tolerance: 10% }']))[0]).toMatchObject({ path: 'routes[0].rollout.checks[0].compare' });
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: up }`, '  max: 1', '  threshold: 2']))[0]).toMatchObject({ path: 'routes[0].rollout.checks[0].threshold', message: expect.stringMatching(/unknown key "threshold" \(known keys here: name, prometheus/) });
    expect(issuesOf(config(['- name: a', "  http: { url: http://x/, field: '$.a[x]', max: 1 }"]))[0]).toMatchObject({ path: 'routes[0].rollout.checks[0].http.field', message: expect.stringMatching(/expected an index or a quoted name/) });
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: up }`, '  max: 1', '- name: a', `  prometheus: { url: ${PROM}, query: up }`, '  min: 1']))[0]).toMatchObject({ path: 'routes[0].rollout.checks[1].name' });
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: up }`, '  max: 1', '  min: 2']))[0]).toMatchObject({ path: 'routes[0].rollout.checks[0].min' });
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: up }`, '  max: 1', '  noData: pass']))[0]!.message).toMatch(/must be one of "hold", "fail"/);
  });

  it('rejects unknown placeholders, {{revision}} outside compare and revisions that are not configured', () => {
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: 'x{revision="{{canary.revison}}"}' }`, '  max: 1']))[0]).toMatchObject({
      path: 'routes[0].rollout.checks[0].prometheus.query', message: expect.stringMatching(/unknown placeholder \{\{canary.revison\}\}/),
    });
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: 'x{revision="{{revision}}"}' }`, '  max: 1']))[0]!.message).toMatch(/only for compare checks/);
    expect(issuesOf(config(['- name: a', `  prometheus: { url: ${PROM}, query: 'x' }`, '  compare: { tolerance: 10% }']))[0]!.message).toMatch(/put \{\{revision\}\} where the revision label goes/);
    expect(issuesOf(config(['- name: cpu', `  prometheus: { url: ${PROM}, query: 'x{revision="{{revision}}"}' }`, '  compare: { tolerance: 10% }'], { stable: '', canary: 'v2' }))[0]).toMatchObject({
      path: 'routes[0].stable', message: expect.stringMatching(/check "cpu" needs stable.revision/),
    });
    expect(issuesOf(config(['- name: cpu', `  prometheus: { url: ${PROM}, query: 'x{revision="{{revision}}"}' }`, '  compare: { tolerance: 10% }'], { stable: 'v2', canary: 'v2' }))[0]).toMatchObject({
      path: 'routes[0].stable.revision', message: expect.stringMatching(/would compare a series with itself/),
    });
  });
});

describe("DESIGN.md's checks example", () => {
  it('parses as written there, once stable has the revision a compare check needs', () => {
    const design = [
      '- name: checkout-failures',
      `  prometheus: { url: ${PROM}, query: 'sum(rate(checkout_failed_total{revision="{{canary.revision}}"}[1m]))' }`,
      '  max: 0.01                # or min:',
      '  interval: 30s',
      '  failureLimit: 2          # failed evaluations in a step before a revert',
      '  noData: hold             # hold | fail',
      '- name: cpu',
      `  prometheus: { url: ${PROM}, query: 'avg(rate(process_cpu_seconds_total{revision="{{revision}}"}[1m]))' }`,
      '  compare: { tolerance: 20% }   # {{revision}} is evaluated for canary and for stable; canary may exceed stable by this much',
      '- name: orders-api',
      '  http: { url: http://127.0.0.1:3002/internal/selfcheck, field: $.errors, max: 0 }',
    ];
    const checks = parseConfigText(config(design), 'f', {}).config.routes[0]!.rollout!.checks;
    expect(checks.map((c) => [c.name, c.rule.kind, c.failureLimit, c.intervalMs])).toEqual([
      ['checkout-failures', 'bounds', 2, 30_000], ['cpu', 'compare', 1, 30_000], ['orders-api', 'bounds', 1, 30_000],
    ]);
    // Without stable.revision the comparison has nothing to fill {{revision}} with for stable.
    expect(issuesOf(config(design, { stable: '', canary: 'v2.3.0' })).map((i) => i.message)).toEqual(['check "cpu" needs stable.revision to fill in its query; add revision: to stable']);
  });
});

describe('check templates', () => {
  it('lists and fills placeholders, escaping for PromQL strings', () => {
    expect(placeholders('a{{route}}b{{ step }}{{nope}}')).toEqual(['route', 'step', 'nope']);
    expect(fillTemplate('x{r="{{canary.revision}}",w="{{weight}}"}', { 'canary.revision': 'v"2\\', weight: '25' }, escapePromqlString)).toBe('x{r="v\\"2\\\\",w="25"}');
    expect(fillTemplate('/s?rev={{canary.revision}}', { 'canary.revision': 'a b&c' }, encodeURIComponent)).toBe('/s?rev=a%20b%26c');
  });
});

describe('json paths', () => {
  it('reads names, quoted names and indexes, and nothing where the document has nothing', () => {
    const doc = { a: { 'b-c': [10, { d: 4 }] } };
    expect(readJsonPath(doc, parseJsonPath('$.a["b-c"][1].d'))).toBe(4);
    expect(readJsonPath(doc, parseJsonPath("$.a['b-c'][0]"))).toBe(10);
    expect(readJsonPath(doc, parseJsonPath('$'))).toBe(doc);
    expect(readJsonPath(doc, parseJsonPath('$.a.x'))).toBeUndefined();
    expect(readJsonPath(doc, parseJsonPath('$.a.toString'))).toBeUndefined();
    expect(() => parseJsonPath('a.b')).toThrow(JsonPathError);
    expect(() => parseJsonPath('$.a[*]')).toThrow(/character 5/);
  });
});
