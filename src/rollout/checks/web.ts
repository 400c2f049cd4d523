/**
 * The http check (Argo Rollouts' web provider): GET a URL that answers JSON and read one number
 * from it. A non-2xx answer, a body that is not JSON, a missing field or one that is not a number
 * are "no data", with the reason.
 */
import { request } from 'undici';
import { parseJsonPath, readJsonPath } from '../../config/json-path.js';
import { describeRequestError, readBounded } from './read-body.js';
import type { Sample } from './evaluate.js';

export async function readHttpField(url: string, field: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<Sample> {
  let status: number;
  let text: string | null;
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    status = res.statusCode;
    text = await readBounded(res.body);
  } catch (err) {
    return { kind: 'noData', reason: `GET ${url}: ${describeRequestError(err, timeoutMs, signal)}` };
  }
  if (text === null) return { kind: 'noData', reason: `GET ${url} answered more than 1 MiB` };
  return fieldOfAnswer(status, text, url, field);
}

/** Pure: the answer as a sample. Exported for its unit tests. */
export function fieldOfAnswer(status: number, text: string, url: string, field: string): Sample {
  if (status < 200 || status > 299) return { kind: 'noData', reason: `GET ${url} answered ${status}${text ? `: ${text.trim().slice(0, 120)}` : ''}` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { kind: 'noData', reason: `GET ${url} did not answer JSON` };
  }
  const value = readJsonPath(doc, parseJsonPath(field));
  if (value === undefined) return { kind: 'noData', reason: `${field} is not in the answer of ${url}` };
  if (typeof value === 'number') return { kind: 'value', value };
  if (typeof value === 'boolean') return { kind: 'value', value: value ? 1 : 0 };
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { kind: 'value', value: Number(value) };
  return { kind: 'noData', reason: `${field} is ${JSON.stringify(value).slice(0, 60)}, not a number` };
}
