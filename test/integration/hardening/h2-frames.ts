// Raw HTTP/2 frames (RFC 9113 §4.1), written by hand so the hardening tests can send what no
// well-behaved client library would: floods, resets and header blocks past the limits.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { onTestFinished } from 'vitest';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const TYPE = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** HPACK (RFC 7541 §6.2.2) literal without indexing, new name, no Huffman: enough for any test header. */
function literal(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  return Buffer.concat([Buffer.from([0x00]), hpackLength(n.length), n, hpackLength(v.length), v]);
}

function hpackLength(n: number): Buffer {
  if (n < 127) return Buffer.from([n]);
  const out = [127];
  let rest = n - 127;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/** A GET / header block: :method GET, :scheme http, :path / from the static table, :authority and extras as literals. */
export function requestBlock(extra: [string, string][] = []): Buffer {
  return Buffer.concat([Buffer.from([0x82, 0x86, 0x84]), literal(':authority', 'example.test'), ...extra.map(([n, v]) => literal(n, v))]);
}

export interface RawH2 {
  socket: Socket;
  /** Frame types and, for RST_STREAM/GOAWAY, the error code, as they arrive. */
  received: { type: number; streamId: number; code?: number }[];
  closed: Promise<void>;
  /** The server ended the session: a GOAWAY arrived or the connection closed, whichever first. */
  ended: Promise<void>;
  write(buf: Buffer): boolean;
}

/** Writes unless the peer already closed (a write after that is EPIPE, which is the test's doing). */
function safeWrite(socket: Socket, buf: Buffer): boolean {
  if (socket.destroyed || !socket.writable) return true;
  return socket.write(buf);
}

/** A raw connection that has sent the preface and an empty SETTINGS frame, and parses what comes back. */
export async function rawH2(port: number, options: { read?: boolean } = {}): Promise<RawH2> {
  const socket = connect(port, '127.0.0.1');
  onTestFinished(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  const received: RawH2['received'] = [];
  let goaway!: () => void;
  const gotGoaway = new Promise<void>((resolve) => (goaway = resolve));
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) break;
      const type = buf[3]!;
      const streamId = buf.readUInt32BE(5) & 0x7fffffff;
      const payload = buf.subarray(9, 9 + len);
      const code = type === TYPE.RST_STREAM ? payload.readUInt32BE(0) : type === TYPE.GOAWAY ? payload.readUInt32BE(4) : undefined;
      received.push({ type, streamId, code });
      if (type === TYPE.GOAWAY) goaway();
      buf = buf.subarray(9 + len);
    }
  });
  if (options.read === false) socket.pause();
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(Buffer.concat([PREFACE, frame(TYPE.SETTINGS, 0, 0)]));
  return { socket, received, closed, ended: Promise.race([closed, gotGoaway]), write: (b) => safeWrite(socket, b) };
}

export const ERROR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, REFUSED_STREAM: 7, CANCEL: 8, ENHANCE_YOUR_CALM: 11 } as const;
