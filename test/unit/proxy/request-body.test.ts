import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { bodyBroken, bodyReplayable } from '../../../src/proxy/request-body.js';

// Issue 15, item 1: undici sends an ended, unread body stream as a complete request
// (content-length: 0), so only an untouched, live body may be sent again on a retry.

const incomplete = { complete: false, destroyed: false } as IncomingMessage;

describe('request body state', () => {
  it('an untouched live body is replayable', () => {
    expect(bodyReplayable(incomplete, new PassThrough())).toBe(true);
  });

  it('an ended body that nobody read from is not (it would go out as a 0-byte request)', async () => {
    const body = new PassThrough();
    body.end();
    body.resume();
    await new Promise((r) => body.once('end', r));
    expect(body.readableDidRead).toBe(false);
    expect(bodyReplayable(incomplete, body)).toBe(false);
  });

  it('a failed or destroyed body is broken and not replayable', () => {
    const failed = new PassThrough();
    failed.on('error', () => {});
    failed.destroy(new Error('client gone'));
    expect(bodyBroken(incomplete, failed)).toBe(true);
    expect(bodyReplayable(incomplete, failed)).toBe(false);
    const destroyed = new PassThrough();
    destroyed.destroy();
    expect(bodyBroken(incomplete, destroyed)).toBe(true);
  });

  it('a body read once is not replayable', () => {
    const body = new PassThrough();
    body.write('x');
    body.read();
    expect(bodyReplayable(incomplete, body)).toBe(false);
  });
});
