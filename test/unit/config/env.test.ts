import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../../src/config/index.js';

const FILE = 'cutover.yaml';

function parse(text: string, env: NodeJS.ProcessEnv) {
  return parseConfigText(text, FILE, env).config;
}

const route = (weight = '0'): string =>
  `routes:\n  - name: a\n    stable: { endpoints: [http://127.0.0.1:1] }\n    canary:\n      endpoints: ["\${CANARY_URL:-http://127.0.0.1:2}"]\n    weight: ${weight}\n`;

describe('${VAR} expansion', () => {
  it('expands ${VAR} inside a longer string', () => {
    expect(parse('listen: ${HOST}:${PORT}\n' + route(), { HOST: '127.0.0.1', PORT: '8081' }).listen).toBe('127.0.0.1:8081');
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(parse('listen: ${HOST:-127.0.0.1}:${PORT:-8080}\n' + route(), {}).listen).toBe('127.0.0.1:8080');
    expect(parse('listen: ${HOST:-127.0.0.1}:8080\n' + route(), { HOST: '' }).listen).toBe('127.0.0.1:8080');
  });

  it('prefers the environment over the default', () => {
    expect(parse(route(), { CANARY_URL: 'http://10.0.0.6:3000' }).routes[0]!.canary!.endpoints).toEqual(['http://10.0.0.6:3000']);
  });

  it('an empty default expands to an empty string', () => {
    expect(parse('admin: { token: "${TOKEN:-}" }\n' + route(), {}).admin.token).toBeUndefined();
  });

  it('a plain scalar that is one reference is typed like YAML: a number stays a number', () => {
    expect(parse(route('${CANARY_WEIGHT:-2.5}'), {}).routes[0]!.weight).toBe(2.5);
    expect(parse(route('${CANARY_WEIGHT}'), { CANARY_WEIGHT: '30' }).routes[0]!.weight).toBe(30);
    expect(parse('log:\n  access: ${ACCESS}\n' + route(), { ACCESS: 'true' }).log.access).toBe(true);
  });

  // Regression: a quoted reference was typed too, so an all-digit token from the environment failed "must be a string".
  it('a quoted reference stays a string', () => {
    expect(parse('admin: { token: "${TOKEN}" }\n' + route(), { TOKEN: '123456' }).admin.token).toBe('123456');
  });

  it('$${VAR} is a literal', () => {
    expect(parse('admin: { token: "$${NOT_EXPANDED}" }\n' + route(), { NOT_EXPANDED: 'x' }).admin.token).toBe('${NOT_EXPANDED}');
  });

  it('an unset variable without a default is an error at its location, with the fix', () => {
    try {
      parse('listen: 127.0.0.1:8080\nadmin:\n  token: ${CUTOVER_ADMIN_TOKEN}\n' + route(), {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const [issue, ...rest] = (err as ConfigError).issues;
      expect(rest).toEqual([]);
      expect(issue).toMatchObject({ path: 'admin.token', line: 3, column: 10 });
      expect(issue!.message).toContain('CUTOVER_ADMIN_TOKEN is not set');
      expect(issue!.message).toContain('${CUTOVER_ADMIN_TOKEN:-default}');
    }
  });

  it('an unset variable inside a list names the list index', () => {
    try {
      parse('routes:\n  - name: a\n    stable:\n      endpoints:\n        - ${STABLE_URL}\n', {});
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues[0]).toMatchObject({ path: 'routes[0].stable.endpoints[0]', line: 5, column: 11 });
    }
  });

  it('an expanded value is validated like a written one, at the reference', () => {
    try {
      parse(route('${CANARY_WEIGHT}'), { CANARY_WEIGHT: '250' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues[0]).toMatchObject({ path: 'routes[0].weight', line: 6, column: 13 });
    }
  });
});
