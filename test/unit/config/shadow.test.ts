import { describe, expect, it } from 'vitest';
import type { ConfigError} from '../../../src/config/index.js';
import { parseConfigText } from '../../../src/config/index.js';

function withShadow(shadow: string) {
  return [
    'routes:',
    '  - name: shop',
    '    stable: { endpoints: [http://127.0.0.1:3001] }',
    '    canary: { endpoints: [http://127.0.0.1:3002] }',
    '    rollout:',
    `      shadow: ${shadow}`,
  ].join('\n') + '\n';
}

function issue(shadow: string): string {
  try {
    parseConfigText(withShadow(shadow), 'cutover.yaml', {});
  } catch (err) {
    const e = err as ConfigError;
    expect(e.issues).toHaveLength(1);
    return `${e.issues[0]!.path}@${e.issues[0]!.line}:${e.issues[0]!.column} ${e.issues[0]!.message}`;
  }
  throw new Error('expected the config to be rejected');
}

describe('rollout.shadow in the schema', () => {
  it('fills the defaults and converts units', () => {
    const shadow = parseConfigText(withShadow('{ share: 10% }'), 'cutover.yaml', {}).config.routes[0]!.rollout!.shadow!;
    expect(shadow).toEqual({
      share: 0.1, methods: ['GET', 'HEAD'], mismatchTolerance: 0.01, ignore: { headers: [], jsonPaths: [] },
      redactHeaders: [], maxInFlight: 64, timeout: 5_000, compareBodyLimit: 65_536,
    });
    const custom = parseConfigText(withShadow('{ share: 100%, methods: [get], ignore: { headers: [X-Request-Id] }, timeout: 250ms, compareBodyLimit: 1mb }'), 'cutover.yaml', {}).config.routes[0]!.rollout!.shadow!;
    expect(custom).toMatchObject({ share: 1, methods: ['GET'], ignore: { headers: ['x-request-id'] }, timeout: 250, compareBodyLimit: 1024 * 1024 });
  });

  it('rejects bad fields with their path and position', () => {
    expect(issue('{ share: 0% }')).toMatch(/^routes\[0\]\.rollout\.shadow\.share@6:\d+ must be above 0% and at most 100%/);
    expect(issue('{ share: 10%, mismatchTolerance: 0 }')).toMatch(/mismatchTolerance@6:\d+ must be above 0%/);
    expect(issue('{ share: 10%, ignore: { jsonPaths: [generatedAt] } }')).toMatch(/jsonPaths\[0\]@6:\d+ must be a JSONPath such as \$\.generatedAt/);
    expect(issue('{ share: 10%, mirror: true }')).toMatch(/shadow\.mirror@6:\d+ unknown key "mirror"/);
    expect(issue('{ methods: [GET] }')).toMatch(/shadow\.share/);
  });
});
