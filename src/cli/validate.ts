import { ConfigError, ConfigReadError, loadConfigFile } from '../config/index.js';
import { CertificateError, loadCertificate } from '../proxy/certificates.js';
import { EXIT_OK, EXIT_USER_ERROR } from './exit-codes.js';

/** `cutover validate -c FILE`: "ok" and a summary, or every error with file:line:column and path. */
export async function runValidate(args: { config: string }): Promise<number> {
  try {
    const { config, warnings } = await loadConfigFile(args.config);
    const lines = [`ok: ${args.config}`, `  listen ${config.listen}, admin ${config.admin.listen}${config.admin.token ? ' (token set)' : ''}, workers ${config.workers}`];
    for (const r of config.routes) {
      const match = `${r.match.host ?? '*'}${r.match.pathPrefix}`;
      const canary = r.canary ? `canary ${r.canary.endpoints.length} endpoint(s)${r.canary.revision ? ` rev ${r.canary.revision}` : ''}` : 'no canary';
      const checks = r.rollout?.checks.length ?? 0;
      const shadow = r.rollout?.shadow ? `, shadow step first (${Number((r.rollout.shadow.share * 100).toFixed(2))}% of ${r.rollout.shadow.methods.join('/')} mirrored)` : '';
      const mode = r.rollout ? `rollout steps ${r.rollout.steps.join(',')}%${shadow}${checks > 0 ? `, ${checks} check${checks === 1 ? '' : 's'}` : ''}` : `weight ${r.weight}%`;
      lines.push(`  route ${r.name}: ${match} → stable ${r.stable.endpoints.length} endpoint(s), ${canary}, ${mode}`);
    }
    const certErrors: string[] = [];
    for (const [i, pair] of (config.tls?.certificates ?? []).entries()) {
      try {
        const cert = await loadCertificate(pair);
        lines.push(`  tls.certificates[${i}]: ${cert.names.join(', ') || '(no names)'}${i === 0 ? ' (default)' : ''}, expires ${new Date(cert.notAfterMs).toISOString()}`);
      } catch (err) {
        if (!(err instanceof CertificateError)) throw err;
        certErrors.push(`${args.config} tls.certificates[${i}]: ${err.message}`);
      }
    }
    if (certErrors.length > 0) {
      process.stderr.write(certErrors.join('\n') + '\n');
      return EXIT_USER_ERROR;
    }
    if (config.tls) lines.push(`  http2 ${config.http2 ? 'on (ALPN h2, http/1.1)' : 'off'}`);
    else lines.push(`  http2 ${config.http2 ? 'on (h2c with prior knowledge beside HTTP/1.1)' : 'off'}`);
    for (const w of warnings) lines.push(`  warning: ${w}`);
    process.stdout.write(lines.join('\n') + '\n');
    return EXIT_OK;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ConfigReadError) {
      process.stderr.write(err.message + '\n');
      return EXIT_USER_ERROR;
    }
    throw err;
  }
}
