import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';

/** One `tls.certificates[]` entry as read from disk: checked, with the names SNI picks it by. */
export interface LoadedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** DNS names from subjectAltName (else the subject CN), lower-case; may start with "*.". */
  readonly names: readonly string[];
  /** The metric label: the first name, or the file when the certificate names no host. */
  readonly label: string;
  readonly notAfterMs: number;
  readonly context: SecureContext;
  /** The PEM text, to tell a real renewal from a touch. */
  readonly pem: string;
  /** For tls.Server#setSecureContext when this is the default certificate. */
  readonly options: { cert: string; key: string };
}

/** A certificate or key that cannot be served; names the file and what to do. */
export class CertificateError extends Error {
  readonly code = 'CUTOVER_TLS_CERTIFICATE_INVALID';
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'CertificateError';
  }
}

/**
 * Reads and checks one pair: both files PEM, the key the certificate's own
 * (a mismatched pair would fail every handshake, so it is refused up front), and
 * a secure context Node accepts. TLS 1.2 is the floor (RFC 8996 deprecates 1.0/1.1).
 */
export async function loadCertificate(pair: { cert: string; key: string }): Promise<LoadedCertificate> {
  const cert = await readPem(pair.cert, 'certificate');
  const key = await readPem(pair.key, 'private key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new CertificateError(pair.cert, `not a PEM certificate (${(err as Error).message}); expected "-----BEGIN CERTIFICATE-----"`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new CertificateError(pair.key, `not a PEM private key (${(err as Error).message}); expected "-----BEGIN PRIVATE KEY-----" or similar`);
  }
  if (!matches) throw new CertificateError(pair.key, `this key does not belong to the certificate ${pair.cert}; put the matching key here or fix tls.certificates`);
  let context: SecureContext;
  try {
    context = createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new CertificateError(pair.cert, `cannot be served: ${(err as Error).message}`);
  }
  const names = namesOf(x509);
  return {
    certFile: pair.cert, keyFile: pair.key, names, label: names[0] ?? pair.cert,
    notAfterMs: Date.parse(x509.validTo), context, pem: cert + key, options: { cert, key },
  };
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CertificateError(file, `cannot read the ${what}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; check tls.certificates`);
  }
}

/** RFC 6125 §6.4.4: with DNS names in subjectAltName the CN is not consulted. */
function namesOf(x509: X509Certificate): string[] {
  const san = x509.subjectAltName;
  if (san) {
    const dns = san.split(',').map((s) => s.trim()).filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
    if (dns.length > 0) return dns;
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject);
  return cn ? [cn[1]!.trim().toLowerCase()] : [];
}

/** RFC 6125 §6.4.3: "*." matches exactly one leftmost label. */
export function nameMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === host;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === pattern.slice(2);
}
