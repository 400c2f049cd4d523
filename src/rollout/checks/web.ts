/**
 * The http check (Argo Rollouts' web provider): GET a URL that answers JSON and read one number
 * from it. A non-2xx answer, a body that is not JSON, a missing field or one that is not a number
 * are "no data", with the reason.
 */
import { parseJsonPath, readJsonPath } from '../../config/json-path.js';
import { fetchCheckAnswer } from './read-body.js';
import type { Sample } from './evaluate.js';

export async function readHttpField(url: string, field: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<Sample> {
  const answer = await fetchCheckAnswer(url, { method: 'GET', headers: { accept: 'application/json', ...headers } }, timeoutMs, signal);
  if (!answer.ok) return { kind: 'noData', reason: answer.tooLarge ? `GET ${url} answered more than 1 MiB` : `GET ${url}: ${answer.why}` };
  return fieldOfAnswer(answer.status, answer.text, url, field);
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
