import { createServer, type Server } from 'node:http';

export interface DemoUpstreamOptions {
  name: string;
  /** Share of requests answered with 500, 0–1. */
  errorRate?: number;
  /** Median latency in ms; the spread is log-normal, so p99 ≈ 4× the median. */
  latencyMs?: number;
  random?: () => number;
}

/**
 * A small upstream for the demo and the example config: answers its name,
 * with a realistic latency spread and an optional error rate, plus /healthz
 * and a WebSocket-free echo at /echo for body tests by hand.
 */
export function createDemoUpstream(options: DemoUpstreamOptions): Server {
  const random = options.random ?? Math.random;
  const median = options.latencyMs ?? 0;
  return createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    const delay = median > 0 ? median * Math.exp(0.6 * gaussian(random)) : 0;
    const fail = (options.errorRate ?? 0) > 0 && random() < (options.errorRate ?? 0);
    const answer = (): void => {
      if (req.url?.startsWith('/echo')) {
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'x-upstream': options.name });
        req.pipe(res);
        return;
      }
      req.resume();
      const body = fail ? `${options.name} failed\n` : `${options.name}\n`;
      res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-upstream': options.name });
      res.end(body);
    };
    if (delay >= 1) setTimeout(answer, delay);
    else answer();
  });
}

function gaussian(random: () => number): number {
  // Box–Muller; 1 - random() avoids log(0).
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
