// The dashboard in a real headless Chromium against a real proxy under load: it renders, goes
// live, steers with the token, and asks nothing of the network beyond the admin server.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SyntheticLoad } from '../../src/demo/load.js';
import { startCutover, startUpstream, testConfig } from '../helpers/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-test-token';
const SCREENSHOT = fileURLToPath(new URL('../../test-artifacts/dashboard.png', import.meta.url));

async function launch(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  onTestFinished(() => browser.close());
  return browser;
}

if (!existsSync(CHROMIUM)) console.warn(`skipping the dashboard browser test: ${CHROMIUM} not found (apt-get install chromium; .ci/run does it)`);

describe.skipIf(!existsSync(CHROMIUM))('dashboard in headless Chromium', () => {
  it('shows the route, updates its live numbers, pauses it with the token, and reads well', async () => {
    const stable = await startUpstream('v1');
    const canary = await startUpstream('v2');
    const cutover = await startCutover(testConfig([{
      name: 'web', stable: [stable.url], canary: [canary.url],
      // A long bake keeps the route progressing at 50 % for the whole test.
      rollout: { steps: [50, 100], minStepDuration: '10m', maxStepDuration: '20m', minSamples: 100_000 },
    }], { admin: { listen: '127.0.0.1:0', token: TOKEN } }));
    const load = new SyntheticLoad({ target: cutover.dataUrl, rate: 100, maxRequests: 6_000, versionOf: () => 'unknown' });
    load.start();
    onTestFinished(() => load.stop());

    const browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const foreign: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(cutover.adminUrl)) foreign.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => void d.accept(TOKEN));

    await page.goto(`${cutover.adminUrl}/`);
    const section = page.locator('section#route-web');
    await expect.poll(() => section.locator('h2').textContent()).toBe('web');
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 10_000 }).toMatch(/live|polling/);

    // The stable request count in the table keeps growing while the load runs.
    const stableRequests = async (): Promise<number> => Number((await section.locator('table.versions tbody tr').first().locator('td').nth(6).textContent())?.replace(/,/g, ''));
    const before = await stableRequests();
    await expect.poll(stableRequests, { timeout: 10_000 }).toBeGreaterThan(before);
    await expect.poll(() => section.locator('.phase').textContent(), { timeout: 10_000 }).toBe('progressing');
    // uPlot drew three charts with data in them.
    await expect.poll(() => section.locator('.uplot').count()).toBe(3);

    // The API answers 401 without the token; the page asks for it (dialog above) and retries.
    await section.locator('button[data-action="pause"]').click();
    await expect.poll(() => section.locator('.phase').textContent(), { timeout: 10_000 }).toBe('paused');
    await expect.poll(() => section.locator('.steer-result').textContent()).toContain('pause: done');
    await expect.poll(() => section.locator('table.history').textContent()).toContain('paused');
    expect(await section.locator('button[data-action="resume"]').isEnabled()).toBe(true);

    await mkdir(fileURLToPath(new URL('../../test-artifacts/', import.meta.url)), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(foreign).toEqual([]);
    // The one expected complaint: the first pause, sent without the token.
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
  });

  it('reads without JavaScript: the route table is plain server-rendered HTML', async () => {
    const stable = await startUpstream('v1');
    const cutover = await startCutover(testConfig([{ name: 'plain', stable: [stable.url] }]));
    const browser = await launch();
    const context = await browser.newContext({ javaScriptEnabled: false });
    onTestFinished(() => context.close());
    const page = await context.newPage();
    await page.goto(`${cutover.adminUrl}/`);
    const text = await page.locator('section#route-plain').innerText();
    expect(text).toContain('plain');
    expect(text).toContain('stable');
    expect(text).toContain('No rollout block: the split is static at 0 %.');
    expect(await page.locator('noscript').count()).toBe(1);
  });
});
