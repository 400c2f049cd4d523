import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

// RFC 9110 §15.2: a client must accept any number of 1xx responses before the final
// one, solicited or not; nginx and HAProxy drop a stray 100 Continue and relay the rest.
// undici 7 instead destroys the connection on a 100 (client-h1.js, onHeadersComplete,
// before any handler hook or option is consulted), so the request fails with 502.
// cutover strips `Expect` from what it forwards, so any 100 an upstream sends is
// unsolicited and carries nothing: it is cut out of the byte stream before undici's
// parser reads it. A 100 can only stand where a response begins, so the cut happens
// only when undici's parser sits between messages, and only on whole, well-formed
// 100 heads; everything else, 103 Early Hints included, passes untouched.

interface ParserState { statusCode: number; headers: unknown[] }
// undici keeps its per-socket HTTP/1.1 parser under this symbol; there is no public handle on it.
// test/integration/upstream-faults/interim-continue.test.ts fails if a new undici moves it.
const kParser = (createRequire(import.meta.url)('undici/lib/core/symbols.js') as { kParser: symbol }).kParser;

/** undici's connector, with every HTTP/1.1 connection it opens passed through discardInterimContinue. */
export function continueDiscardingConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) => connect(opts, (err, socket) => {
    if (err === null && socket !== null) discardInterimContinue(socket as Socket);
    callback(err, socket as never);
  });
}

/** The longest 100 head worth waiting for; past it, the bytes go to undici as they are. */
const MAX_HEAD = 1024;

/**
 * Wraps `socket.read()`, which is how undici's parser takes bytes (paused mode), so
 * the hot path pays one property check per read and nothing per byte.
 */
export function discardInterimContinue(socket: Socket): void {
  const read = socket.read;
  let held: Buffer | null = null;
  socket.read = function readWithoutContinue(this: Socket, size?: number): Buffer | null {
    let chunk = read.call(this, size) as Buffer | null;
    if (held !== null) {
      chunk = chunk === null ? held : Buffer.concat([held, chunk]);
      held = null;
    }
    if (chunk === null || chunk[0] !== 0x48 /* 'H' */ || !betweenMessages(this)) return chunk;
    let offset = 0;
    for (;;) {
      const end = continueHeadEnd(chunk, offset);
      if (end === PARTIAL) {
        // The head is split across reads: keep it until the rest arrives ('readable' fires again).
        held = chunk.subarray(offset);
        return offset === 0 ? null : chunk.subarray(0, offset);
      }
      if (end === NOT_CONTINUE) break;
      offset = end;
    }
    return offset === 0 ? chunk : offset === chunk.length ? null : chunk.subarray(offset);
  } as Socket['read'];
}

function betweenMessages(socket: Socket): boolean {
  const parser = (socket as unknown as Record<symbol, ParserState | null | undefined>)[kParser];
  return parser != null && parser.statusCode === 0 && parser.headers.length === 0;
}

const PARTIAL = -1;
const NOT_CONTINUE = -2;
const PREFIX = Buffer.from('HTTP/1.');

/** Where a "HTTP/1.x 100 ..." head starting at `offset` ends, PARTIAL if it may still be one, else NOT_CONTINUE. */
export function continueHeadEnd(buf: Buffer, offset: number): number {
  const avail = buf.length - offset;
  if (avail <= 0) return NOT_CONTINUE;
  // "HTTP/1.1 100" is 12 bytes; compare what has arrived of it.
  const want = Math.min(avail, 12);
  for (let i = 0; i < want; i++) {
    const c = buf[offset + i]!;
    const ok = i < 7 ? c === PREFIX[i] : i === 7 ? c >= 0x30 && c <= 0x39 : i === 8 ? c === 0x20 : i === 9 ? c === 0x31 : c === 0x30;
    if (!ok) return NOT_CONTINUE;
  }
  if (avail < 13) return PARTIAL;
  const after = buf[offset + 12];
  if (after !== 0x20 && after !== 0x0d) return NOT_CONTINUE;
  const end = buf.indexOf('\r\n\r\n', offset + 12, 'latin1');
  if (end === -1) return avail > MAX_HEAD ? NOT_CONTINUE : PARTIAL;
  return end + 4;
}
