import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onTestFinished } from 'vitest';

const run = promisify(execFile);

export interface TestCertificate {
  cert: string;
  key: string;
  /** The PEM text of the certificate, to trust it as its own CA (self-signed). */
  certPem: string;
}

/** A temp directory for certificate files, removed when the test ends. */
export async function certDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-tls-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A self-signed certificate for the given DNS names, made with openssl (EC P-256: fast
 * to generate). `days` may be small to tell two certificates apart by their expiry.
 */
export async function makeCertificate(dir: string, base: string, names: string[], days = 30): Promise<TestCertificate> {
  const cert = join(dir, `${base}.crt`);
  const key = join(dir, `${base}.key`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', String(days), '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`]);
  const { readFile } = await import('node:fs/promises');
  return { cert, key, certPem: await readFile(cert, 'utf8') };
}

/** Replaces a file the way cert-manager and kubelet do: write a sibling, then rename over it. */
export async function renameWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
