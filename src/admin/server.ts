import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { listenOn } from '../net.js';
import { hasValidToken } from './auth.js';
import { AdminRouter, sendError, sendJson } from './router.js';

export interface Readiness {
  ready: boolean;
  reasons: string[];
  /** Shown whether ready or not, e.g. ejected endpoints. */
  notes?: string[];
}

/** What the admin server needs from the app; the app implements it. */
export interface AdminBackend {
  readiness(): Readiness;
  metrics(): Promise<{ contentType: string; body: string }>;
  routes(): unknown[];
  route(name: string): unknown | undefined;
  token(): string | undefined;
}

/**
 * The admin HTTP server: health, readiness, metrics and the JSON API. Every
 * mutating route needs the bearer token when one is configured; the check
 * happens here, once, before any handler runs.
 */
export class AdminServer {
  readonly server: Server;
  readonly router = new AdminRouter();

  constructor(readonly backend: AdminBackend, private readonly log: Logger) {
    this.router
      .add('GET', '/healthz', (_req, res) => sendText(res, 200, 'ok\n'))
      .add('GET', '/readyz', (_req, res) => {
        const r = backend.readiness();
        const notes = r.notes && r.notes.length > 0 ? r.notes.map((n) => `${n}\n`).join('') : '';
        sendText(res, r.ready ? 200 : 503, (r.ready ? 'ready\n' : `not ready: ${r.reasons.join('; ')}\n`) + notes);
      })
      .add('GET', '/metrics', async (_req, res) => {
        const m = await backend.metrics();
        res.writeHead(200, { 'content-type': m.contentType, 'cache-control': 'no-store' });
        res.end(m.body);
      })
      .add('GET', '/api/v1/routes', (_req, res) => sendJson(res, 200, { routes: backend.routes() }))
      .add('GET', '/api/v1/routes/:name', (_req, res, p) => {
        const view = backend.route(p.name!);
        if (view === undefined) return sendError(res, 404, 'UNKNOWN_ROUTE', `no route named "${p.name}"; GET /api/v1/routes lists them`);
        sendJson(res, 200, view);
      });
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => void this.dispatch(req, res));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const found = this.router.find(req.method ?? 'GET', url.pathname);
    if ('status' in found) {
      if (found.status === 405) res.setHeader('allow', found.allow.join(', '));
      return sendError(res, found.status, found.status === 404 ? 'NOT_FOUND' : 'METHOD_NOT_ALLOWED', found.status === 404 ? `no admin endpoint ${url.pathname}` : `use ${found.allow.join(' or ')}`);
    }
    if (found.entry.mutating && !hasValidToken(req, this.backend.token())) {
      res.setHeader('www-authenticate', 'Bearer realm="cutover"');
      return sendError(res, 401, 'UNAUTHORIZED', 'this call needs "Authorization: Bearer <token>" (admin.token; the CLI reads --token or CUTOVER_ADMIN_TOKEN)');
    }
    try {
      await found.entry.handler(req, res, found.params);
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status && status >= 400 && status < 500) return sendError(res, status, 'BAD_REQUEST', (err as Error).message);
      this.log.error({ err, path: url.pathname }, 'admin request failed');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'internal error; see the proxy log');
      else res.destroy();
    }
  }

  listen(port: number, host: string): Promise<{ port: number; host: string }> {
    return listenOn(this.server, port, host);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
