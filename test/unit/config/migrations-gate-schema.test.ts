import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, parseConfigText } from '../../../src/config/index.js';

const FILE = 'cutover.yaml';
const route = (...rollout: string[]): string => [
  'routes:',
  '  - name: shop',
  '    stable: { endpoints: [http://127.0.0.1:3001] }',
  '    canary: { endpoints: [http://127.0.0.1:3002] }',
  '    rollout:',
  ...rollout.map((l) => `      ${l}`),
].join('\n') + '\n';

function issues(text: string): string[] {
  try {
    parseConfigText(text, FILE, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => formatIssue(FILE, i));
  }
  throw new Error('expected the config to be rejected');
}

describe('config: migrations gates and afterPromotion', () => {
  it('accepts a migrations gate and an afterPromotion gate, with postgres/expand as defaults', () => {
    const { config } = parseConfigText(route(
      'gates:',
      '  - migrations: { path: db/migrations }',
      'afterPromotion:',
      '  - migrations: { path: [db/contract, db/extra.sql], dialect: sqlserver, phase: contract }',
    ), FILE, {});
    expect(config.routes[0]!.rollout).toMatchObject({
      gates: [{ migrations: { path: 'db/migrations', dialect: 'postgres', phase: 'expand' } }],
      afterPromotion: [{ migrations: { path: ['db/contract', 'db/extra.sql'], dialect: 'sqlserver', phase: 'contract' } }],
    });
  });

  it('defaults afterPromotion to none', () => {
    const { config } = parseConfigText(route('steps: [50, 100]'), FILE, {});
    expect(config.routes[0]!.rollout?.afterPromotion).toEqual([]);
  });

  it('rejects an unknown dialect and an unknown key with file:line:column and the path', () => {
    const found = issues(route('gates:', '  - migrations: { path: db, dialect: oracle, phse: contract }'));
    expect(found.join('\n')).toMatch(/cutover\.yaml:\d+:\d+ routes\[0\]\.rollout\.gates\[0\]/);
    expect(found.join('\n')).toMatch(/oracle|phse|a gate is/);
  });
});
