import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';

const base = (fleet: string): string => `fleet:\n${fleet}\nroutes:\n  - name: shop\n    stable: { endpoints: [http://127.0.0.1:3001] }\n`;

describe('the fleet block', () => {
  it('takes the documented fields with their defaults', () => {
    const { config } = parseConfigText(base('  redis: redis://127.0.0.1:6379/0\n  name: shop-edge\n  replica: edge-0'), 'f.yaml', {});
    expect(config.fleet).toEqual({ redis: 'redis://127.0.0.1:6379/0', name: 'shop-edge', replica: 'edge-0', leaseTtl: 3_000 });
    expect(parseConfigText(base('  redis: redis://r:6379\n  name: a'), 'f.yaml', {}).config.fleet?.replica).toMatch(/-\d+$/);
    expect(parseConfigText(base('  redis: redis://r:6379\n  name: a'), 'f.yaml', {}).config.stateFile).toBe('.cutover/state.json');
  });

  it('rejects a bad URL, a short lease and an unknown key with the field and its line', () => {
    expect(() => parseConfigText(base('  redis: http://x\n  name: a'), 'f.yaml', {})).toThrow(/f\.yaml:2:\d+ fleet\.redis: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => parseConfigText(base('  redis: redis://x\n  name: a\n  leaseTtl: 100ms'), 'f.yaml', {})).toThrow(/fleet\.leaseTtl: must be at least 500ms/);
    expect(() => parseConfigText(base('  redis: redis://x\n  name: a\n  leader: true'), 'f.yaml', {})).toThrow(/fleet/);
    expect(() => parseConfigText(base('  redis: redis://x\n  name: a b'), 'f.yaml', {})).toThrow(/fleet\.name/);
  });
});
