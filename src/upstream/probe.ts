import type { Dispatcher } from 'undici';

/** User-Agent of every request cutover makes on its own (health checks, warm pings), so upstream logs can filter them. */
export const PROBE_USER_AGENT = 'cutover-probe';

export interface ProbeResult {
  ok: boolean;
  status: number;
  /** Set when no answer came: the error code or message. */
  error?: string;
}

/**
 * One GET of cutover's own on an endpoint's Pool, or on one of its Clients, so
 * it uses (and so keeps alive) the connections live traffic uses. Not HEAD:
 * undici closes a connection after a HEAD (undici #258), which would defeat
 * keeping it warm. Probes leave the passive ejection alone: that one counts
 * live traffic only.
 */
export async function probe(dispatcher: Dispatcher, path: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await dispatcher.request({
      method: 'GET',
      path,
      headers: { 'user-agent': PROBE_USER_AGENT },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return { ok: res.statusCode >= 200 && res.statusCode < 400, status: res.statusCode };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { ok: false, status: 0, error: typeof code === 'string' ? code : (err as Error).message };
  }
}
