import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { connect as h2connect } from 'node:http2';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { createLogger } from '../../../src/log.js';
import { runCli } from '../../helpers/cli-process.js';
import { startCutover, startUpstream, testConfig } from '../../helpers/servers.js';
import { certDir, makeCertificate, renameWrite, type TestCertificate } from '../../helpers/tls.js';
import { until } from '../../helpers/wait.js';

/** The certificate a fresh TLS connection to the port is served for this SNI name (or none). */
async function servedCertificate(port: number, servername: string | undefined, ca: string[]): Promise<PeerCertificate> {
  const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  await once(socket, 'secureConnect');
  const cert = socket.getPeerCertificate();
  socket.destroy();
  return cert;
}

function agentTrusting(ca: string[], servername: string): Agent {
  const agent = new Agent({ connect: { ca, servername } });
  onTestFinished(() => agent.close());
  return agent;
}

async function h2Get(port: number, ca: string[], servername: string, path = '/'): Promise<{ status: number; body: string; proto: string | undefined }> {
  const session = h2connect(`https://127.0.0.1:${port}`, { ca, servername });
  onTestFinished(() => session.destroy());
  const stream = session.request({ ':path': path, ':authority': servername });
  const [headers] = await once(stream, 'response') as [Record<string, string | number>];
  let body = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) body += chunk as string;
  session.close();
  return { status: Number(headers[':status']), body, proto: (session.socket as unknown as { alpnProtocol?: string }).alpnProtocol };
}

async function tlsSite(certs: TestCertificate[], extra: Record<string, unknown> = {}) {
  const shop = await startUpstream('shop', (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`shop ${req.headers['x-forwarded-proto']} ${req.headers.host}`);
  });
  const logs = new PassThrough();
  const lines: { msg: string; file?: string }[] = [];
  logs.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as { msg: string });
  });
  const cut = await startCutover(testConfig([{ name: 'shop', stable: [shop.url] }], {
    tls: { certificates: certs.map((c) => ({ cert: c.cert, key: c.key })) }, ...extra,
  }), { logger: createLogger({ level: 'info', destination: logs }) });
  return { cut, port: cut.app.dataAddress.port, lines };
}

describe('TLS termination', () => {
  it('picks the certificate by SNI (first is the default), serves h2 and http/1.1 by ALPN, refuses TLS 1.1', async () => {
    const dir = await certDir();
    const shop = await makeCertificate(dir, 'shop', ['shop.test', 'www.shop.test']);
    const api = await makeCertificate(dir, 'api', ['*.api.test']);
    const { cut, port } = await tlsSite([shop, api]);
    const ca = [shop.certPem, api.certPem];

    expect((await servedCertificate(port, 'www.shop.test', ca)).subject.CN).toBe('shop.test');
    expect((await servedCertificate(port, 'eu.api.test', ca)).subject.CN).toBe('*.api.test');
    expect((await servedCertificate(port, 'unknown.test', ca)).subject.CN).toBe('shop.test');
    expect((await servedCertificate(port, undefined, ca)).subject.CN).toBe('shop.test');

    const h1 = await request(`https://127.0.0.1:${port}/`, { dispatcher: agentTrusting(ca, 'shop.test'), headers: { host: 'shop.test' } });
    expect(h1.statusCode).toBe(200);
    expect(await h1.body.text()).toBe('shop https shop.test');

    const h2 = await h2Get(port, ca, 'shop.test');
    expect(h2).toMatchObject({ status: 200, body: 'shop https shop.test', proto: 'h2' });

    const old = tlsConnect({ host: '127.0.0.1', port, servername: 'shop.test', ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
    const [err] = await once(old, 'error') as [NodeJS.ErrnoException];
    expect(err.code).toMatch(/ERR_SSL|ECONNRESET|EPROTO/);

    const metrics = await (await request(cut.adminUrl + '/metrics')).body.text();
    const notAfter = Math.floor(Date.parse((await servedCertificate(port, 'shop.test', ca)).valid_to) / 1000);
    expect(metrics).toContain(`cutover_tls_certificate_expiry_seconds{name="shop.test"} ${notAfter}`);
    expect(metrics).toContain('cutover_tls_certificate_expiry_seconds{name="*.api.test"}');
  });

  it('a renewed certificate (rename-write) serves new connections at once; open ones keep theirs; no request fails under load', async () => {
    const dir = await certDir();
    const first = await makeCertificate(dir, 'shop', ['shop.test'], 10);
    const renewedDir = await certDir();
    const renewed = await makeCertificate(renewedDir, 'shop', ['shop.test'], 90);
    const { port, lines } = await tlsSite([first]);
    const ca = [first.certPem, renewed.certPem];
    const before = await servedCertificate(port, 'shop.test', ca);

    // An HTTP/2 connection opened before the renewal.
    const session = h2connect(`https://127.0.0.1:${port}`, { ca, servername: 'shop.test' });
    onTestFinished(() => session.destroy());
    await once(session, 'connect');
    const openCert = (session.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate();

    // Bounded load on new connections while the files are replaced: every request must succeed.
    let failures = 0;
    let done = 0;
    let stop = false;
    const load = (async () => {
      for (let i = 0; i < 400 && !stop; i++) {
        const agent = new Agent({ connect: { ca, servername: 'shop.test' } });
        try {
          const res = await request(`https://127.0.0.1:${port}/`, { dispatcher: agent, headers: { host: 'shop.test' } });
          await res.body.text();
          if (res.statusCode !== 200) failures++;
        } catch {
          failures++;
        } finally {
          done++;
          await agent.close();
        }
      }
    })();
    await until(() => done >= 10, 'some requests before the renewal');
    await renameWrite(first.key, await readFile(renewed.key, 'utf8'));
    await renameWrite(first.cert, renewed.certPem);
    await until(async () => (await servedCertificate(port, 'shop.test', ca)).fingerprint256 !== before.fingerprint256, 'the renewed certificate on new connections');
    const countAtRenewal = done;
    await until(() => done >= countAtRenewal + 10, 'requests after the renewal');
    stop = true;
    await load;
    expect(failures).toBe(0);
    expect((await servedCertificate(port, 'shop.test', ca)).valid_to).toBe((await import('node:crypto').then((c) => new c.X509Certificate(renewed.certPem))).validTo);
    expect(lines.some((l) => l.msg.startsWith('TLS certificate renewed'))).toBe(true);

    // The connection opened before keeps its certificate and still serves.
    const stream = session.request({ ':path': '/', ':authority': 'shop.test' });
    const [headers] = await once(stream, 'response') as [Record<string, unknown>];
    stream.resume();
    await once(stream, 'end');
    expect(headers[':status']).toBe(200);
    expect((session.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate().fingerprint256).toBe(openCert.fingerprint256);
  });

  it('a renewal with a key that does not match is refused, named in the log, and the old pair keeps serving', async () => {
    const dir = await certDir();
    const shop = await makeCertificate(dir, 'shop', ['shop.test']);
    const otherDir = await certDir();
    const other = await makeCertificate(otherDir, 'other', ['other.test']);
    const { port, lines } = await tlsSite([shop]);
    const before = await servedCertificate(port, 'shop.test', [shop.certPem]);
    await renameWrite(shop.key, await readFile(other.key, 'utf8'));
    await until(() => lines.some((l) => l.msg.startsWith('TLS certificate refused')), 'the refusal in the log');
    const refusal = lines.find((l) => l.msg.startsWith('TLS certificate refused'))!;
    expect(refusal.file).toBe(shop.key);
    expect((await servedCertificate(port, 'shop.test', [shop.certPem])).fingerprint256).toBe(before.fingerprint256);
    const res = await request(`https://127.0.0.1:${port}/`, { dispatcher: agentTrusting([shop.certPem], 'shop.test'), headers: { host: 'shop.test' } });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('cutover validate checks that each key matches its certificate and names the file', async () => {
    const dir = await certDir();
    const shop = await makeCertificate(dir, 'shop', ['shop.test']);
    const other = await makeCertificate(dir, 'other', ['other.test']);
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    const base = testConfig([{ name: 'shop', stable: ['http://127.0.0.1:1'] }], { stateFile: join(dir, 'state.json') });
    await writeFile(good, stringify({ ...base, tls: { certificates: [{ cert: shop.cert, key: shop.key }] } }));
    await writeFile(bad, stringify({ ...base, tls: { certificates: [{ cert: shop.cert, key: shop.key }, { cert: shop.cert, key: other.key }] } }));
    const ok = await runCli(['validate', '-c', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/tls\.certificates\[0\]: shop\.test \(default\), expires /);
    const refused = await runCli(['validate', '-c', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`tls.certificates[1]: ${other.key}: this key does not belong to the certificate ${shop.cert}`);
  });
});
