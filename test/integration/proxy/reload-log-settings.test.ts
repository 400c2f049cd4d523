// Regression: `cutover start` always hands the app its own logger, so `log.level` in the config was
// never applied, neither at start nor on a reload; and a reload that changed `limits` or
// `stateFile` (read once at start) applied nothing of them without a word.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';

function capturingLogger() {
  const lines: { level: number; msg: string; fields?: string[] }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination: sink }), lines };
}

describe('reload: log settings and restart-only fields', () => {
  it('log.level follows the config at start and on every reload', async () => {
    const stable = await startUpstream('v1');
    const { logger } = capturingLogger();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url] }], { log: { level: 'warn' } }), { logger, logLevelFromConfig: true });
    expect(cut.app.log.level).toBe('warn');

    await cut.writeConfig(testConfig([{ name: 'shop', stable: [stable.url] }], { log: { level: 'debug' } }));
    expect(await cut.app.reload('test')).toMatchObject({ ok: true });
    expect(cut.app.log.level).toBe('debug');
  });

  it('without logLevelFromConfig (--log-level given) the logger keeps its own level', async () => {
    const stable = await startUpstream('v1');
    const { logger } = capturingLogger();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url] }], { log: { level: 'error' } }), { logger });
    expect(cut.app.log.level).toBe('info');
  });

  it('a reload that changes limits names them in a warning and applies the rest', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const { logger, lines } = capturingLogger();
    const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 0 }]), { logger });

    await cut.writeConfig(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 30 }], { limits: { maxBodySize: '1mb' } }));
    expect(await cut.app.reload('test')).toMatchObject({ ok: true });
    expect(cut.app.states.get('shop')?.weight).toBe(30);
    const warning = lines.find((l) => l.msg.includes('apply only on restart'));
    expect(warning?.fields).toEqual(['limits']);
  });
});
