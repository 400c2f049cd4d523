import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientRequest } from 'node:http';
import httpProxy from 'http-proxy';
import type { VersionName } from '../metrics/registry.js';
import type { Route } from '../routing/route-table.js';
import { decideVersion } from '../routing/version-choice.js';
import type { ProxyContext } from './context.js';

// This is the only file that touches http-proxy. Its emitter throws and kills the
// process without an 'error' listener (http-proxy #579) and leaks sockets when one
// side closes (#1510, #559), so: listeners first, and both sockets die together.

interface Tunnel {
  route: string;
  version: VersionName;
  client: Socket;
  upstream: Socket | null;
}

const kTunnel = Symbol('cutover.tunnel');
type TaggedRequest = IncomingMessage & { [kTunnel]?: Tunnel };

// RFC 6455 §5.5.1 / §7.4.1: an unmasked server close frame with status 1001 "going away".
const CLOSE_GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

export class WebSocketTunnels {
  private readonly proxy = httpProxy.createProxyServer({ ws: true, xfwd: true });
  private readonly tunnels = new Set<Tunnel>();

  constructor(private readonly onError: (err: Error, route: string) => void = () => {}) {
    this.proxy.on('error', (err: Error, req: IncomingMessage) => {
      const tunnel = (req as TaggedRequest)[kTunnel];
      if (tunnel) {
        this.onError(err, tunnel.route);
        // Before the upgrade the client still speaks HTTP: answer 502 as for any request, rather than hang up.
        if (tunnel.upstream === null && tunnel.client.writable) {
          this.tunnels.delete(tunnel);
          return refuse(tunnel.client, 502, 'bad gateway: the upstream failed');
        }
        this.teardown(tunnel);
      }
    });
    this.proxy.on('proxyReqWs', (proxyReq: ClientRequest, req: IncomingMessage) => {
      const tunnel = (req as TaggedRequest)[kTunnel];
      if (!tunnel) return;
      proxyReq.once('upgrade', (_res: IncomingMessage, upstream: Socket) => {
        tunnel.upstream = upstream;
        upstream.once('close', () => this.teardown(tunnel));
        if (tunnel.client.destroyed) this.teardown(tunnel);
      });
    });
  }

  handle(route: Route | null, req: IncomingMessage, client: Socket, head: Buffer, ctx: ProxyContext): void {
    client.on('error', noop);
    if (route === null) return refuse(client, 404, 'no route matches this request');
    if (!isWebSocketUpgrade(req)) return refuse(client, 400, 'only WebSocket upgrades are supported');
    const overrideHeader = route.config.override?.enabled ? route.config.override.header : null;
    const overrideValue = overrideHeader ? headerValue(req, overrideHeader) : undefined;
    // A client with a sticky cookie keeps its version for its WebSocket too; without one it gets the
    // weighted draw (a 101 answer is the upstream's, so no cookie is set here).
    const bucket = route.stickyCookie !== null ? route.stickyCookie.bucketOf(req.headers.cookie) : -1;
    const decision = decideVersion(route, overrideValue, route.overrideAllowList === null || route.overrideAllowList.check(client.remoteAddress ?? ''), ctx.random, bucket);
    let target = decision.version === 'canary' && route.canary ? route.canary : route.stable;
    let pool = target.endpoints.pick(ctx.now());
    if (pool === null && target !== route.stable) {
      target = route.stable;
      pool = target.endpoints.pick(ctx.now());
    }
    if (pool === null) return refuse(client, 503, 'no healthy upstream endpoint');

    const tunnel: Tunnel = { route: route.name, version: target.name, client, upstream: null };
    (req as TaggedRequest)[kTunnel] = tunnel;
    this.tunnels.add(tunnel);
    client.once('close', () => this.teardown(tunnel));
    target.recorder.record(101, 0, false, false);
    this.proxy.ws(req, client, head, { target: pool.origin });
  }

  /** Closes the tunnels of one version of a route with 1001, so clients reconnect (to stable). */
  closeVersion(route: string, version: VersionName): number {
    let closed = 0;
    for (const tunnel of this.tunnels) {
      if (tunnel.route !== route || tunnel.version !== version || tunnel.upstream === null) continue;
      tunnel.client.end(CLOSE_GOING_AWAY);
      tunnel.upstream.destroy();
      closed++;
    }
    return closed;
  }

  count(route?: string): number {
    if (route === undefined) return this.tunnels.size;
    let n = 0;
    for (const t of this.tunnels) if (t.route === route) n++;
    return n;
  }

  closeAll(): void {
    for (const tunnel of this.tunnels) this.teardown(tunnel);
    this.proxy.close();
  }

  private teardown(tunnel: Tunnel): void {
    this.tunnels.delete(tunnel);
    if (!tunnel.client.destroyed) tunnel.client.destroy();
    if (tunnel.upstream && !tunnel.upstream.destroyed) tunnel.upstream.destroy();
  }
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade?.toLowerCase();
  const connection = req.headers.connection?.toLowerCase() ?? '';
  return req.method === 'GET' && upgrade === 'websocket' && connection.split(',').some((t) => t.trim() === 'upgrade');
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function refuse(socket: Socket, status: number, text: string): void {
  const reason = status === 404 ? 'Not Found' : status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Bad Request';
  const body = `${text}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function noop(): void {}
