import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfigText } from '../../../src/config/load.js';

// Whatever the file holds, the validator either accepts it or throws a
// ConfigError whose every issue says where (a field path, or a line for YAML
// syntax) and what, in words: never a crash, never a stack trace.

function expectCleanOutcome(text: string): void {
  try {
    parseConfigText(text, 'fuzz.yaml', {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`not a ConfigError for ${JSON.stringify(text).slice(0, 200)}: ${String(err)}`);
    expect(err.issues.length).toBeGreaterThan(0);
    for (const issue of err.issues) {
      expect(issue.path !== '' || issue.line !== undefined, `issue without a location: ${JSON.stringify(issue)}`).toBe(true);
      expect(issue.message.length).toBeGreaterThan(0);
      expect(issue.message).not.toMatch(/\n\s+at /);
    }
  }
}

const VALID = {
  listen: '127.0.0.1:8080',
  admin: { listen: '127.0.0.1:9901' },
  limits: { maxBodySize: '10mb', headersTimeout: '10s', maxHeaders: 100, maxUriLength: '8kb', underscoreHeaders: 'drop' },
  routes: [{
    name: 'shop',
    match: { host: 'shop.example.com', pathPrefix: '/' },
    stable: { endpoints: ['http://127.0.0.1:3001'] },
    canary: { endpoints: ['http://127.0.0.1:3002'], revision: 'v2' },
    weight: 5,
    rollout: { steps: [1, 5, 50, 100], minStepDuration: '30s', errorRate: { tolerance: '0.5%' } },
  }],
};

/** Paths into VALID, so mutations land where the schema has something to say. */
const PATHS: (string | number)[][] = [
  ['listen'], ['admin'], ['admin', 'listen'], ['admin', 'token'], ['limits'], ['limits', 'maxBodySize'], ['limits', 'headersTimeout'],
  ['limits', 'maxHeaders'], ['limits', 'maxUriLength'], ['limits', 'underscoreHeaders'], ['routes'], ['routes', 0], ['routes', 0, 'name'],
  ['routes', 0, 'match'], ['routes', 0, 'match', 'host'], ['routes', 0, 'stable', 'endpoints'], ['routes', 0, 'stable', 'endpoints', 0],
  ['routes', 0, 'canary'], ['routes', 0, 'weight'], ['routes', 0, 'rollout', 'steps'], ['routes', 0, 'rollout', 'steps', 1],
  ['routes', 0, 'rollout', 'errorRate', 'tolerance'], ['routes', 0, 'unknownKey'], ['workers'], ['trustedProxies'], ['stateFile'],
];

function mutate(path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(VALID) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

const weirdValue = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom('', '0', '-1', '1e309', 'NaN', '100.5', '101%', '10xb', '5 parsecs', '::1', '0.0.0.0:99999', 'http://', 'ftp://x', '${UNSET}', '${A:-b}', '*.', '/'),
  fc.double(), fc.integer(), fc.boolean(), fc.constant(null),
);

describe('config validator (property-based)', () => {
  it('accepts the reference config', () => {
    expect(() => parseConfigText(stringify(VALID), 'valid.yaml', {})).not.toThrow();
  });

  it('random text never crashes it', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => expectCleanOutcome(text)), { numRuns: 300 });
  });

  it('random YAML-ish text (keys, indents, anchors, tags) never crashes it', () => {
    const token = fc.constantFrom('routes:', '  - name: a', '    stable:', '      endpoints: [http://127.0.0.1:1]', 'limits:', '  maxHeaders: ', '&a ', '*a', '!!str ', '!!binary ', '? ', '- ', '{', '}', '[', ']', ': ', '"', "'", '#', '\n', '  ', '${X}', '<<: *a', '---', '...', '%YAML 1.2');
    fc.assert(fc.property(fc.array(token, { maxLength: 40 }), (parts) => expectCleanOutcome(parts.join(''))), { numRuns: 400 });
  });

  it('random objects never crash it', () => {
    fc.assert(fc.property(fc.object({ maxDepth: 3 }), (obj) => expectCleanOutcome(stringify(obj))), { numRuns: 200 });
  });

  it('a valid config with one field replaced by anything is accepted or rejected with that field\'s path', () => {
    fc.assert(fc.property(fc.constantFrom(...PATHS), weirdValue, (path, value) => {
      let text: string;
      try {
        text = stringify(mutate(path, value));
      } catch {
        return; // not representable as YAML (e.g. a symbol-keyed object): nothing to validate
      }
      expectCleanOutcome(text);
    }), { numRuns: 500 });
  });

  it('dangerous but valid YAML is rejected with the reason', () => {
    const cases: [unknown, string][] = [
      [mutate(['routes', 0, 'weight'], 150), 'routes[0].weight'],
      [mutate(['routes', 0, 'rollout', 'steps'], [10, 5]), 'routes[0].rollout.steps[1]'],
      [{ ...VALID, routes: [{ ...VALID.routes[0], name: 'all', match: { pathPrefix: '/' } }, { ...VALID.routes[0], name: 'later' }] }, 'routes[1].match'],
      [mutate(['limits', 'maxUriLength'], 'lots'), 'limits.maxUriLength'],
    ];
    for (const [config, path] of cases) {
      try {
        parseConfigText(stringify(config), 'danger.yaml', {});
        throw new Error(`accepted, expected a rejection at ${path}`);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).issues.map((i) => i.path)).toContain(path);
      }
    }
  });
});
