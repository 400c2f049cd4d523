/**
 * An instant query through the Prometheus HTTP API (GET-equivalent POST /api/v1/query, form
 * encoded so long queries fit), on plain undici. Every way it can go wrong ends as "no data" with
 * the reason: an unreachable server, its error JSON, a timeout, an empty vector, a matrix. An
 * answer is never taken as a pass by default.
 */
import { fetchCheckAnswer } from './read-body.js';
import type { Sample } from './evaluate.js';

interface PromResponse {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

export async function queryPrometheus(baseUrl: string, query: string, timeoutMs: number, signal: AbortSignal): Promise<Sample> {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
  const where = `${url.origin}${url.pathname}`;
  // Prometheus' own timeout ends the evaluation on its side too, not only our wait for it.
  const form = new URLSearchParams({ query, timeout: `${Math.max(1, Math.floor(timeoutMs / 1000))}s` });
  const answer = await fetchCheckAnswer(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  }, timeoutMs, signal);
  if (!answer.ok) {
    if (answer.tooLarge) return { kind: 'noData', reason: `Prometheus at ${where} answered more than 1 MiB; aggregate the query to one series` };
    return { kind: 'noData', reason: `Prometheus at ${where}: ${answer.why}` };
  }
  return parsePrometheusAnswer(answer.status, answer.text, where);
}

/** Pure: the answer of /api/v1/query as a sample. Exported for its unit tests. */
export function parsePrometheusAnswer(status: number, text: string, where: string): Sample {
  let body: PromResponse;
  try {
    body = JSON.parse(text) as PromResponse;
  } catch {
    return { kind: 'noData', reason: `Prometheus at ${where} answered ${status} with no JSON${text ? `: ${text.trim().slice(0, 120)}` : ''}; is the url Prometheus' base URL?` };
  }
  if (body.status !== 'success') {
    const what = body.error ? `${body.errorType ?? 'error'}: ${body.error}` : `status ${String(body.status)}`;
    return { kind: 'noData', reason: `Prometheus refused the query (${status} ${what})` };
  }
  const type = body.data?.resultType;
  const result = body.data?.result;
  if (type === 'scalar') return sampleOf(result, 'scalar');
  if (type === 'vector' && Array.isArray(result)) {
    if (result.length === 0) return { kind: 'noData', reason: 'the query returned no series (is the metric scraped, and do its labels match?)' };
    if (result.length > 1) return { kind: 'noData', reason: `the query returned ${result.length} series; aggregate it to one (sum, avg or max)` };
    return sampleOf((result[0] as { value?: unknown }).value, 'vector');
  }
  if (type === 'matrix') return { kind: 'noData', reason: 'the query returned a range vector; wrap it in a function such as rate(...) or avg_over_time(...)' };
  return { kind: 'noData', reason: `the query returned a ${String(type)}, not a number` };
}

/** `[timestamp, "1.5"]`; Prometheus writes ±Inf as "+Inf"/"-Inf", which Number() does not read. */
function sampleOf(pair: unknown, what: string): Sample {
  const raw = Array.isArray(pair) ? pair[1] : undefined;
  if (typeof raw !== 'string') return { kind: 'noData', reason: `the ${what} result has no value` };
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
  if (Number.isNaN(value) && raw !== 'NaN') return { kind: 'noData', reason: `the ${what} result "${raw}" is not a number` };
  return { kind: 'value', value };
}
