import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { clientRequests, startCutover, startUpstream, testConfig } from '../../helpers/servers.js';

/** An upstream that echoes what it got: method, url, body length, and a status from /status/NNN. */
async function echoUpstream() {
  return startUpstream('echo', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = /^\/status\/(\d{3})/.exec(req.url ?? '')?.[1];
      const body = JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString() });
      res.writeHead(status ? Number(status) : 200, { 'content-type': 'application/json', 'x-method': req.method ?? '' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
}

async function proxyTo(...stable: string[]) {
  return startCutover(testConfig([{ name: 'shop', stable }]));
}

/** Sends one request with node:http and returns the response with its body, trailers included. */
async function rawRequest(url: string, options: { method?: string; headers?: Record<string, string | string[]>; body?: string; agent?: false } = {}): Promise<{ res: IncomingMessage; body: string }> {
  const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent });
  req.end(options.body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.setEncoding('utf8');
  let body = '';
  for await (const chunk of res) body += chunk as string;
  return { res, body };
}

describe('forwarding', () => {
  it.each(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])('%s with its body reaches the upstream and the answer comes back', async (method) => {
    const up = await echoUpstream();
    const cut = await proxyTo(up.url);
    const hasBody = method !== 'GET' && method !== 'OPTIONS';
    const res = await request(`${cut.dataUrl}/items/7?x=1&y=%20`, { method, body: hasBody ? `payload of ${method}` : undefined });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ method, url: '/items/7?x=1&y=%20', body: hasBody ? `payload of ${method}` : '' });
  });

  it('HEAD gets the headers and no body, and the connection stays usable', async () => {
    const up = await startUpstream('head', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1234' });
      res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1234));
    });
    const cut = await proxyTo(up.url);
    const agent = new Agent({ connections: 1 });
    try {
      const head = await request(cut.dataUrl + '/', { method: 'HEAD', dispatcher: agent });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-length']).toBe('1234');
      expect(await head.body.text()).toBe('');
      const get = await request(cut.dataUrl + '/', { dispatcher: agent });
      expect((await get.body.text()).length).toBe(1234);
    } finally {
      await agent.close();
    }
  });

  it.each([201, 202, 301, 400, 404, 418, 500, 503])('passes upstream status %d through unchanged', async (status) => {
    const up = await echoUpstream();
    const cut = await proxyTo(up.url);
    const res = await request(`${cut.dataUrl}/status/${status}`);
    expect(res.statusCode).toBe(status);
    expect((await res.body.json() as { url: string }).url).toBe(`/status/${status}`);
  });

  it.each([204, 304])('%d has no body and the keep-alive connection is reused', async (status) => {
    const up = await startUpstream('nobody', (req, res) => {
      req.resume();
      if (req.url === '/next') return void res.end('next');
      res.writeHead(status, { etag: '"v1"' });
      res.end();
    });
    const cut = await proxyTo(up.url);
    const agent = new Agent({ connections: 1 });
    try {
      const res = await request(cut.dataUrl + '/', { dispatcher: agent });
      expect(res.statusCode).toBe(status);
      expect(res.headers.etag).toBe('"v1"');
      expect(res.headers['transfer-encoding']).toBeUndefined();
      expect(await res.body.text()).toBe('');
      const next = await request(cut.dataUrl + '/next', { dispatcher: agent });
      expect(await next.body.text()).toBe('next');
    } finally {
      await agent.close();
    }
  });

  it('repeated request headers reach the upstream as repeated headers', async () => {
    const up = await echoUpstream();
    const cut = await proxyTo(up.url);
    const res = await request(cut.dataUrl + '/', { headers: { 'x-multi': ['one', 'two'], accept: 'text/plain' } });
    await res.body.dump();
    const raw = clientRequests(up)[0]!.rawHeaders;
    const multi = raw.filter((_v, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'x-multi');
    expect(multi).toEqual(['one', 'two']);
  });

  it('every set-cookie and repeated response header reaches the client', async () => {
    const up = await startUpstream('cookies', (req, res) => {
      req.resume();
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; HttpOnly', 'c=3']);
      res.setHeader('vary', ['Accept', 'Origin']);
      res.end('ok');
    });
    const cut = await proxyTo(up.url);
    const { res } = await rawRequest(cut.dataUrl + '/');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly', 'c=3']);
    expect(res.headers.vary).toBe('Accept, Origin');
  });

  it('response trailers are relayed on a chunked response', async () => {
    const up = await startUpstream('trailers', (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('part one, ');
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.end('part two');
    });
    const cut = await proxyTo(up.url);
    const { res, body } = await rawRequest(cut.dataUrl + '/');
    expect(body).toBe('part one, part two');
    expect(res.trailers).toEqual({ 'x-checksum': 'abc123' });
  });

  it('Expect: 100-continue: the client gets 100 before sending, and the upstream gets the body', async () => {
    const up = await echoUpstream();
    const cut = await proxyTo(up.url);
    const req = httpRequest(cut.dataUrl + '/upload', { method: 'POST', headers: { expect: '100-continue', 'content-length': '5' } });
    req.flushHeaders();
    await once(req, 'continue');
    req.end('hello');
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.setEncoding('utf8');
    let body = '';
    for await (const chunk of res) body += chunk as string;
    expect(JSON.parse(body)).toEqual({ method: 'POST', url: '/upload', body: 'hello' });
    expect(clientRequests(up)[0]!.headers.expect).toBeUndefined();
  });

  it('hop-by-hop headers, and those named in Connection, stop at the proxy; X-Forwarded-* are set', async () => {
    const up = await echoUpstream();
    const cut = await proxyTo(up.url);
    await rawRequest(cut.dataUrl + '/', {
      headers: { connection: 'keep-alive, x-secret', 'x-secret': 'hidden', 'keep-alive': 'timeout=5', 'proxy-connection': 'keep-alive', te: 'trailers', 'x-forwarded-for': '198.51.100.7', 'x-kept': 'yes', host: 'shop.test:8080' },
    });
    const seen = clientRequests(up)[0]!.headers;
    expect(seen['x-secret']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen['proxy-connection']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['x-kept']).toBe('yes');
    expect(seen['x-forwarded-for']).toBe('198.51.100.7, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('shop.test:8080');
    expect(seen.host).toBe('shop.test:8080');
  });

  it('spreads requests over the endpoints of a version', async () => {
    const a = await startUpstream('a');
    const b = await startUpstream('b');
    const cut = await proxyTo(a.url, b.url);
    for (let i = 0; i < 10; i++) await (await request(cut.dataUrl + '/')).body.dump();
    expect(clientRequests(a).length).toBe(5);
    expect(clientRequests(b).length).toBe(5);
  });
});
