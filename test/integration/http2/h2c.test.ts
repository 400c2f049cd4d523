import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { tallyAnalysis } from '../switching/support.js';

const run = promisify(execFile);
const STICKY = { cookie: 'cutover-shop', maxAge: '1h', secret: 'sixteen-chars-or-more' };

function session(url: string): ClientHttp2Session {
  const s = connect(url);
  onTestFinished(() => s.destroy());
  return s;
}

/** One stream on an open session: its headers and body. */
async function stream(s: ClientHttp2Session, headers: Record<string, string> = {}, body?: string): Promise<{ headers: IncomingHttpHeaders; body: string }> {
  const req = s.request({ ':path': '/', ':method': body === undefined ? 'GET' : 'POST', ...headers }, { endStream: body === undefined });
  if (body !== undefined) req.end(body);
  const [h] = await once(req, 'response') as [IncomingHttpHeaders];
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) text += chunk as string;
  return { headers: h, body: text };
}

async function twoVersions(extra: Record<string, unknown> = {}) {
  const echo = (name: string) => startUpstream(name, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body ? `${name} ${req.method} ${body}` : name);
    });
  });
  const stable = await echo('v1');
  const canary = await echo('v2');
  const cut = await startCutover(testConfig([{ name: 'shop', stable: [stable.url], canary: [canary.url], weight: 0, ...extra }]));
  const state = cut.app.states.get('shop')!;
  return { cut, stable, canary, state, tally: tallyAnalysis(state) };
}

describe('HTTP/2 with prior knowledge (h2c) on the HTTP/1.1 port', () => {
  it('curl --http2-prior-knowledge and plain HTTP/1.1 are both served on the same port', async () => {
    const { cut } = await twoVersions();
    const h2 = await run('curl', ['-sS', '--http2-prior-knowledge', '-w', ' %{http_version}', cut.dataUrl + '/']);
    expect(h2.stdout).toBe('v1 2');
    const h1 = await run('curl', ['-sS', '--http1.1', '-w', ' %{http_version}', cut.dataUrl + '/']);
    expect(h1.stdout).toBe('v1 1.1');
    const post = await run('curl', ['-sS', '--http2-prior-knowledge', '--data-binary', 'hello', cut.dataUrl + '/']);
    expect(post.stdout).toBe('v1 POST hello');
  });

  it('each stream is its own request: a weight change moves new streams on an open connection, and every stream is analysed', async () => {
    const { cut, state, tally } = await twoVersions();
    const s = session(cut.dataUrl);
    for (let i = 0; i < 5; i++) expect((await stream(s)).body).toBe('v1');
    state.weight = 100;
    for (let i = 0; i < 5; i++) expect((await stream(s)).body).toBe('v2');
    // Streams in parallel on the one connection, with bodies.
    const bodies = await Promise.all(Array.from({ length: 20 }, (_, i) => stream(s, {}, `n${i}`)));
    expect(bodies.map((b) => b.body)).toEqual(Array.from({ length: 20 }, (_, i) => `v2 POST n${i}`));
    expect(tally().stable.requests).toBe(5);
    expect(tally().canary.requests).toBe(25);
  });

  it('the sticky cookie and the override header work per stream; forced streams stay out of the analysis', async () => {
    const { cut, state, tally } = await twoVersions({ sticky: STICKY, override: { header: 'x-cutover-version' } });
    const s = session(cut.dataUrl);
    const first = await stream(s);
    const setCookie = first.headers['set-cookie'];
    expect(setCookie?.[0]).toMatch(/^cutover-shop=\d+\./);
    const cookie = setCookie![0]!.split(';')[0]!;
    const bucket = Number(cookie.split('=')[1]!.split('.')[0]);
    state.weight = bucket + 1;
    expect((await stream(s, { cookie })).body).toBe('v2');
    state.weight = bucket;
    expect((await stream(s, { cookie })).body).toBe('v1');
    const before = tally().canary.requests;
    expect((await stream(s, { 'x-cutover-version': 'canary' })).body).toBe('v2');
    expect(tally().canary.requests).toBe(before);
  });
});
