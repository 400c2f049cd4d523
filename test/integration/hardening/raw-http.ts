import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

// Raw HTTP/1.1 on both sides of the proxy: exact bytes in, exact bytes out. The
// parser here is deliberately small and only used to know when a message is
// complete; assertions look at the bytes themselves.

export interface ParsedMessage {
  /** Status line or request line. */
  start: string;
  status: number;
  headers: [string, string][];
  body: Buffer;
  /** Every byte of the message as it crossed the wire. */
  raw: Buffer;
}

function header(msg: { headers: [string, string][] }, name: string): string | undefined {
  return msg.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}
export { header as headerOf };

/**
 * Takes complete messages off the front of `buf`. Responses to HEAD are not
 * supported; a response without length ends at close (returned only when `eof`).
 */
export function parseMessages(buf: Buffer, kind: 'request' | 'response', eof = false): { messages: ParsedMessage[]; rest: Buffer } {
  const messages: ParsedMessage[] = [];
  let off = 0;
  for (let guard = 0; guard < 1000; guard++) {
    while (buf[off] === 0x0d || buf[off] === 0x0a) off++;
    const end = buf.indexOf('\r\n\r\n', off);
    if (end === -1) break;
    const lines = buf.subarray(off, end).toString('latin1').split('\r\n');
    const start = lines[0]!;
    const headers = lines.slice(1).map((l): [string, string] => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]);
    const status = kind === 'response' ? Number(start.split(' ')[1]) : 0;
    let bodyStart = end + 4;
    let bodyEnd: number;
    const cl = header({ headers }, 'content-length');
    const te = header({ headers }, 'transfer-encoding');
    const chunks: Buffer[] = [];
    if ((kind === 'response' && (status < 200 || status === 204 || status === 304))) {
      bodyEnd = bodyStart;
    } else if (te && /chunked/i.test(te)) {
      let p = bodyStart;
      let done = false;
      for (let n = 0; n < 100_000; n++) {
        const lineEnd = buf.indexOf('\r\n', p);
        if (lineEnd === -1) break;
        const size = Number.parseInt(buf.subarray(p, lineEnd).toString('latin1').split(';')[0]!, 16);
        if (size === 0) {
          // "0\r\n" then optional trailer lines, then an empty line.
          const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd);
          if (trailerEnd === -1) break;
          p = trailerEnd + 4;
          done = true;
          break;
        }
        if (Number.isNaN(size) || lineEnd + 2 + size + 2 > buf.length) break;
        chunks.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
      if (!done) break;
      bodyEnd = p;
    } else if (cl !== undefined) {
      bodyEnd = bodyStart + Number(cl);
      if (bodyEnd > buf.length) break;
    } else if (kind === 'request') {
      bodyEnd = bodyStart;
    } else {
      if (!eof) break;
      bodyEnd = buf.length;
    }
    const body = chunks.length > 0 || (te && /chunked/i.test(te)) ? Buffer.concat(chunks) : buf.subarray(bodyStart, bodyEnd);
    messages.push({ start, status, headers, body, raw: buf.subarray(off, bodyEnd) });
    off = bodyEnd;
    bodyStart = off;
    if (kind === 'response' && status >= 100 && status < 200) continue;
  }
  return { messages, rest: buf.subarray(off) };
}

export interface RawResult {
  /** Everything the proxy sent, as latin1. */
  text: string;
  /** Final (non-1xx) responses, in order. */
  responses: ParsedMessage[];
  /** Informational responses seen before them. */
  informational: ParsedMessage[];
  /** The proxy closed the connection. */
  closed: boolean;
}

/**
 * Writes `bytes` on a fresh connection and reads until `responses` final
 * responses arrived (then, with `waitClose`, until the proxy closes) or the
 * socket closes; bounded by `timeoutMs`.
 */
export async function rawRequest(port: number, bytes: string | Buffer, options: { responses?: number; waitClose?: boolean; timeoutMs?: number; socket?: Socket } = {}): Promise<RawResult> {
  const socket = options.socket ?? connect(port, '127.0.0.1');
  socket.on('error', () => {});
  onTestFinished(() => { socket.destroy(); });
  if (!options.socket) await once(socket, 'connect');
  const want = options.responses ?? 1;
  let data = Buffer.alloc(0);
  let closed = false;
  const result = (): RawResult => {
    const { messages } = parseMessages(data, 'response', closed);
    return { text: data.toString('latin1'), responses: messages.filter((m) => m.status >= 200), informational: messages.filter((m) => m.status < 200), closed };
  };
  return new Promise<RawResult>((resolve) => {
    const timer = setTimeout(() => finish(), options.timeoutMs ?? 5_000);
    const finish = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(result());
    };
    const onData = (d: Buffer): void => {
      data = Buffer.concat([data, d]);
      if (!options.waitClose && result().responses.length >= want) finish();
    };
    socket.on('data', onData);
    socket.once('close', () => {
      closed = true;
      finish();
    });
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

export interface RawUpstream {
  server: Server;
  port: number;
  url: string;
  /** Bytes received, one entry per connection, in order. */
  connections: Buffer[];
  /** Complete requests received on any connection. */
  requests(): ParsedMessage[];
  /** Every byte received, across connections. */
  allBytes(): string;
  /** Connections the proxy has closed or reset so far. */
  closedCount(): number;
  /** Stops listening and drops every connection, like a crashed process. */
  close(): Promise<void>;
}

export type RawHandler = (socket: Socket, request: ParsedMessage, index: number) => void;

/** The default answer: 200 "ok", keep-alive. */
export const answerOk: RawHandler = (socket) => {
  socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');
};

/**
 * A `net` server that speaks just enough HTTP/1.1 to record exactly what the
 * proxy sent and to answer with whatever bytes a test wants, including broken ones.
 */
export async function startRawUpstream(handler: RawHandler = answerOk, port = 0): Promise<RawUpstream> {
  const connections: Buffer[] = [];
  const complete: ParsedMessage[] = [];
  const sockets = new Set<Socket>();
  let closed = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closed++;
    });
    socket.on('error', () => {});
    const index = connections.push(Buffer.alloc(0)) - 1;
    let pending = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      connections[index] = Buffer.concat([connections[index]!, d]);
      pending = Buffer.concat([pending, d]);
      const { messages, rest } = parseMessages(pending, 'request');
      pending = Buffer.from(rest);
      for (const m of messages) {
        complete.push(m);
        handler(socket, m, complete.length - 1);
      }
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    if (server.listening) {
      server.close();
      await once(server, 'close');
    }
  };
  onTestFinished(close);
  return {
    server,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    connections,
    requests: () => complete,
    allBytes: () => Buffer.concat(connections).toString('latin1'),
    closedCount: () => closed,
    close,
  };
}

/** Polls `check` until it is true or the deadline passes (for effects that have no event). */
export async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}
