/**
 * GET /api/v1/events: server-sent events. `transition` on every transition, `stats` with every
 * route's JSON once a second, and a comment heartbeat so proxies keep the stream open. The
 * per-second work only runs while someone listens; a client that stops reading is dropped
 * rather than buffered without bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const STATS_INTERVAL_MS = 1_000;
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** Bytes queued for one client before it is considered stuck and disconnected. */
export const MAX_CLIENT_BACKLOG_BYTES = 1024 * 1024;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private statsTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;

  constructor(private readonly stats: () => unknown, private readonly options: { statsIntervalMs?: number; heartbeatMs?: number } = {}) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': cutover events\n\n');
    this.clients.add(res);
    const drop = (): void => this.remove(res);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    this.startTimers();
    this.sendTo(res, 'stats', this.stats());
  }

  publish(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const frame = format(event, data);
    for (const res of this.clients) this.write(res, frame);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stopTimers();
  }

  private sendTo(res: ServerResponse, event: string, data: unknown): void {
    this.write(res, format(event, data));
  }

  private write(res: ServerResponse, frame: string): void {
    if (res.writableLength > MAX_CLIENT_BACKLOG_BYTES) {
      res.destroy();
      this.remove(res);
      return;
    }
    res.write(frame);
  }

  private remove(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stopTimers();
  }

  private startTimers(): void {
    if (this.statsTimer) return;
    this.statsTimer = setInterval(() => this.publish('stats', this.stats()), this.options.statsIntervalMs ?? STATS_INTERVAL_MS);
    this.statsTimer.unref();
    this.heartbeatTimer = setInterval(() => {
      for (const res of this.clients) this.write(res, ': heartbeat\n\n');
    }, this.options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
    this.heartbeatTimer.unref();
  }

  private stopTimers(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.statsTimer = null;
    this.heartbeatTimer = null;
  }
}

function format(event: string, data: unknown): string {
  // JSON.stringify never emits a raw newline, so one data: line per event is safe.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
