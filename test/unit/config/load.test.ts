import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, parseConfigText, type ConfigIssue } from '../../../src/config/index.js';

const FILE = 'cutover.yaml';
const STABLE = 'http://127.0.0.1:3001';
const CANARY = 'http://127.0.0.1:3002';

/** Parses text that must be rejected and returns its issues. */
function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigIssue[] {
  try {
    parseConfigText(text, FILE, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe('CUTOVER_CONFIG_INVALID');
    expect(e.file).toBe(FILE);
    return e.issues;
  }
  throw new Error('expected the config to be rejected');
}

/** The one issue of a config with exactly one problem. */
function onlyIssue(text: string, env: NodeJS.ProcessEnv = {}): ConfigIssue {
  const issues = issuesOf(text, env);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  return issues[0]!;
}

const lines = (...l: string[]): string => l.join('\n') + '\n';

describe('parseConfigText: a valid config', () => {
  it('fills every default and converts units', () => {
    const { config, warnings } = parseConfigText(lines(
      'routes:',
      '  - name: shop',
      `    stable: { endpoints: [${STABLE}] }`,
      `    canary: { endpoints: [${CANARY}/], revision: 2 }`,
      '    weight: 0.5%',
      '    upstream: { connectTimeout: 1.5s, headersTimeout: 250ms }',
    ), FILE, {});
    expect(warnings).toEqual([]);
    expect(config.listen).toBe('0.0.0.0:8080');
    expect(config.admin.listen).toBe('127.0.0.1:9901');
    expect(config.drainTimeout).toBe(30_000);
    expect(config.limits.maxBodySize).toBe(10 * 1024 * 1024);
    expect(config.limits.maxHeaderSize).toBe(64 * 1024);
    const route = config.routes[0]!;
    expect(route.weight).toBe(0.5);
    expect(route.match).toEqual({ pathPrefix: '/' });
    expect(route.canary).toEqual({ endpoints: [CANARY], revision: '2' });
    expect(route.upstream).toMatchObject({ connections: 128, warm: 4, connectTimeout: 1500, headersTimeout: 250, bodyTimeout: 30_000 });
  });

  it('fills the rollout defaults, with percentages as fractions', () => {
    const { config } = parseConfigText(lines(
      'routes:',
      '  - name: shop',
      `    stable: { endpoints: [${STABLE}] }`,
      `    canary: { endpoints: [${CANARY}] }`,
      '    rollout: {}',
    ), FILE, {});
    expect(config.routes[0]!.rollout).toMatchObject({
      steps: [1, 5, 10, 25, 50, 100], minStepDuration: 30_000, maxStepDuration: 600_000, minSamples: 200,
      errorRate: { tolerance: 0.005 }, latency: { quantile: 0.99, tolerance: 0.2 }, falseRollbackRate: 0.01, gates: [], notify: [],
    });
  });

  it('warns, without failing, when the admin port is exposed without a token', () => {
    const { warnings } = parseConfigText(lines('admin: { listen: 0.0.0.0:9901 }', 'routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`), FILE, {});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('admin.token');
  });
});

describe('parseConfigText: each error class names file:line:column and the path', () => {
  it('unknown key, with the known keys as the fix', () => {
    const issue = onlyIssue(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, '    wieght: 5'));
    expect(issue).toMatchObject({ path: 'routes[0].wieght', line: 4, column: 5 });
    expect(issue.message).toContain('unknown key "wieght"');
    expect(issue.message).toContain('weight');
  });

  it('unknown key at the top level', () => {
    expect(onlyIssue(lines('listne: 127.0.0.1:8080', 'routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`)))
      .toMatchObject({ path: 'listne', line: 1, column: 1 });
  });

  it.each([['150', 'between 0 and 100'], ['-1', 'between 0 and 100'], ['lots', 'percentage']])('weight %s is out of range', (weight, text) => {
    const issue = onlyIssue(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, `    canary: { endpoints: [${CANARY}] }`, `    weight: ${weight}`));
    expect(issue).toMatchObject({ path: 'routes[0].weight', line: 5, column: 13 });
    expect(issue.message).toContain(text);
  });

  it('duplicate route name points at the second one', () => {
    const issue = onlyIssue(lines(
      'routes:',
      '  - name: shop', '    match: { pathPrefix: /a }', `    stable: { endpoints: [${STABLE}] }`,
      '  - name: shop', '    match: { pathPrefix: /b }', `    stable: { endpoints: [${STABLE}] }`,
    ));
    expect(issue).toMatchObject({ path: 'routes[1].name', line: 5, column: 11 });
    expect(issue.message).toContain('duplicate route name "shop"');
  });

  it('bad duration', () => {
    const issue = onlyIssue(lines('drainTimeout: 5 minutes', 'routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`));
    expect(issue).toMatchObject({ path: 'drainTimeout', line: 1, column: 15 });
    expect(issue.message).toContain('is not a duration');
  });

  it('bad duration deep in a route', () => {
    const issue = onlyIssue(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, '    upstream:', '      bodyTimeout: 30'  + 'sec'));
    expect(issue).toMatchObject({ path: 'routes[0].upstream.bodyTimeout', line: 5, column: 20 });
  });

  it('bad size', () => {
    const issue = onlyIssue(lines('limits:', '  maxBodySize: 10 megs', 'routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`));
    expect(issue).toMatchObject({ path: 'limits.maxBodySize', line: 2, column: 16 });
    expect(issue.message).toContain('is not a size');
  });

  it.each([
    ['not a url', 'not a URL'],
    ['ftp://127.0.0.1:21', 'unsupported scheme'],
    ['http://127.0.0.1:3002/api', 'origin only'],
  ])('bad URL %s', (url, text) => {
    const issue = onlyIssue(lines('routes:', '  - name: a', '    stable:', '      endpoints:', `        - ${STABLE}`, `        - ${url}`));
    expect(issue).toMatchObject({ path: 'routes[0].stable.endpoints[1]', line: 6, column: 11 });
    expect(issue.message).toContain(text);
  });

  // Regression: zod 4 omits the input from issues unless asked, so every type error read "is required".
  it('wrong type names what it got, not "is required"', () => {
    const issue = onlyIssue(lines('routes:', '  - name: a', '    stable: { endpoints: http://127.0.0.1:1 }'));
    expect(issue).toMatchObject({ path: 'routes[0].stable.endpoints', line: 3, column: 26 });
    expect(issue.message).toContain('must be a list');
  });

  it('a missing required field is located at its parent', () => {
    const issue = onlyIssue(lines('routes:', '  - name: a'));
    expect(issue).toMatchObject({ path: 'routes[0].stable', line: 2, column: 5 });
    expect(issue.message).toBe('is required');
  });

  it('an empty file needs routes', () => {
    expect(onlyIssue('')).toMatchObject({ path: 'routes', message: 'is required' });
  });

  it('bad route name', () => {
    expect(onlyIssue(lines('routes:', '  - name: Shop_1', `    stable: { endpoints: [${STABLE}] }`))).toMatchObject({ path: 'routes[0].name', line: 2, column: 11 });
  });

  it('bad listen address', () => {
    expect(onlyIssue(lines('listen: 8080', 'routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`))).toMatchObject({ path: 'listen', line: 1, column: 9 });
  });

  it('YAML syntax error', () => {
    const issue = onlyIssue(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}]`));
    expect(issue.path).toBe('');
    expect(issue.message).toMatch(/^YAML syntax: /);
    expect(issue.line).toBeGreaterThanOrEqual(3);
    expect(issue.column).toBeGreaterThanOrEqual(1);
  });

  it('YAML duplicate key is a syntax error, not a silent override', () => {
    expect(onlyIssue(lines('listen: 127.0.0.1:1', 'listen: 127.0.0.1:2', 'routes: []'))).toMatchObject({ line: 2, column: 1 });
  });

  it('tabs as indentation', () => {
    expect(issuesOf('routes:\n\t- name: a\n')[0]!.message).toContain('Tabs');
  });

  it('reports every issue, not only the first', () => {
    const issues = issuesOf(lines('listen: nope', 'drainTimeout: soon', 'routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, '    weight: 200'));
    expect(issues.map((i) => i.path).sort()).toEqual(['drainTimeout', 'listen', 'routes[0].weight']);
  });

  it('the message lists every issue as file:line:column path: message', () => {
    try {
      parseConfigText(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, '    wieght: 5'), FILE, {});
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('cutover.yaml:4:5 routes[0].wieght: unknown key "wieght"');
    }
  });

  it('formatIssue without a position names the file only', () => {
    expect(formatIssue(FILE, { path: 'routes', message: 'is required' })).toBe('cutover.yaml routes: is required');
    expect(formatIssue(FILE, { path: '', message: 'bad', line: 2, column: 3 })).toBe('cutover.yaml:2:3 bad');
  });
});

describe('parseConfigText: semantic checks', () => {
  const rolloutRoute = (...rollout: string[]): string => lines(
    'routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, `    canary: { endpoints: [${CANARY}] }`, '    rollout:', ...rollout.map((l) => '      ' + l),
  );

  it('steps not increasing points at the offending step', () => {
    const issue = onlyIssue(rolloutRoute('steps: [1, 25, 10]'));
    expect(issue).toMatchObject({ path: 'routes[0].rollout.steps[2]', line: 6, column: 22, message: 'must be greater than 25 (steps only go up)' });
  });

  it('a step of 0 is refused', () => {
    expect(onlyIssue(rolloutRoute('steps: [0, 50]')).path).toBe('routes[0].rollout.steps[0]');
  });

  it('maxStepDuration below minStepDuration', () => {
    expect(onlyIssue(rolloutRoute('minStepDuration: 5m', 'maxStepDuration: 1m'))).toMatchObject({ path: 'routes[0].rollout.maxStepDuration', line: 7 });
  });

  it('falseRollbackRate must be in (0, 50 %)', () => {
    expect(onlyIssue(rolloutRoute('falseRollbackRate: 60%')).path).toBe('routes[0].rollout.falseRollbackRate');
  });

  it('a later route shadowed by an earlier catch-all', () => {
    const issue = onlyIssue(lines(
      'routes:', '  - name: all', `    stable: { endpoints: [${STABLE}] }`,
      '  - name: api', '    match: { pathPrefix: /api }', `    stable: { endpoints: [${STABLE}] }`,
    ));
    expect(issue).toMatchObject({ path: 'routes[1].match', line: 5, column: 12 });
    expect(issue.message).toContain('never matches');
  });

  it('a host route shadowed by a wildcard on the same prefix', () => {
    expect(onlyIssue(lines(
      'routes:', '  - name: any', '    match: { host: "*.example.com" }', `    stable: { endpoints: [${STABLE}] }`,
      '  - name: shop', '    match: { host: shop.example.com, pathPrefix: /cart }', `    stable: { endpoints: [${STABLE}] }`,
    )).path).toBe('routes[1].match');
  });

  it('a narrower route first is fine', () => {
    expect(() => parseConfigText(lines(
      'routes:', '  - name: api', '    match: { host: shop.example.com, pathPrefix: /api }', `    stable: { endpoints: [${STABLE}] }`,
      '  - name: all', `    stable: { endpoints: [${STABLE}] }`,
    ), FILE, {})).not.toThrow();
  });

  it('a weight without a canary', () => {
    expect(onlyIssue(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, '    weight: 10'))).toMatchObject({ path: 'routes[0].weight', line: 4 });
  });

  it('a canary endpoint that is also stable', () => {
    expect(onlyIssue(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, `    canary: { endpoints: [${STABLE}/] }`)).path).toBe('routes[0].canary.endpoints[0]');
  });

  it('a duplicate endpoint within a version', () => {
    expect(onlyIssue(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}, ${STABLE}] }`)).path).toBe('routes[0].stable.endpoints[1]');
  });

  it('health-check timeout above its interval', () => {
    expect(onlyIssue(lines('routes:', '  - name: a', `    stable: { endpoints: [${STABLE}] }`, '    upstream:', '      healthCheck: { interval: 1s, timeout: 2s }')).path)
      .toBe('routes[0].upstream.healthCheck.timeout');
  });
});
