import { request, type Dispatcher } from 'undici';

/** Larger answers are not a single number: a query that returns thousands of series, or a wrong URL. */
export const MAX_CHECK_BODY_BYTES = 1024 * 1024;

/** The body as text, or null once it passes `limit` bytes (the rest is discarded, the socket freed). */
export async function readBounded(body: Dispatcher.ResponseData['body'], limit = MAX_CHECK_BODY_BYTES): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The failure of a request as a short "why" for a no-data reason. */
export function describeRequestError(err: unknown, timeoutMs: number, signal: AbortSignal): string {
  const e = err as Error & { code?: string };
  if (signal.aborted) return 'cancelled';
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return `no answer within ${timeoutMs} ms`;
  if (e.code === 'ECONNREFUSED') return 'connection refused (is it running, and is the url right?)';
  return `${e.code ?? e.name}: ${e.message}`;
}

export type CheckAnswer =
  | { ok: true; status: number; text: string }
  | { ok: false; tooLarge: true }
  | { ok: false; tooLarge: false; why: string };

/**
 * One request of a check, bounded by its timeout (both undici's and a signal, so a slow body ends
 * too) and by MAX_CHECK_BODY_BYTES; every failure comes back as a short "why", never a throw.
 */
export async function fetchCheckAnswer(url: string | URL, options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }, timeoutMs: number, signal: AbortSignal): Promise<CheckAnswer> {
  try {
    const res = await request(url, {
      ...options,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await readBounded(res.body);
    if (text === null) return { ok: false, tooLarge: true };
    return { ok: true, status: res.statusCode, text };
  } catch (err) {
    return { ok: false, tooLarge: false, why: describeRequestError(err, timeoutMs, signal) };
  }
}
