import { describe, expect, it } from 'vitest';
import { parsePrometheusAnswer } from '../../../../src/rollout/checks/prometheus.js';
import { fieldOfAnswer } from '../../../../src/rollout/checks/web.js';

const W = 'http://p/api/v1/query';
const vector = (...values: string[]): string => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1700000000.1, v] })) } });

describe('parsePrometheusAnswer', () => {
  it('reads a one-series vector and a scalar, including NaN and ±Inf as Prometheus writes them', () => {
    expect(parsePrometheusAnswer(200, vector('0.25'), W)).toEqual({ kind: 'value', value: 0.25 });
    expect(parsePrometheusAnswer(200, JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '3'] } }), W)).toEqual({ kind: 'value', value: 3 });
    expect(parsePrometheusAnswer(200, vector('+Inf'), W)).toEqual({ kind: 'value', value: Infinity });
    expect(parsePrometheusAnswer(200, vector('-Inf'), W)).toEqual({ kind: 'value', value: -Infinity });
    expect(parsePrometheusAnswer(200, vector('NaN'), W)).toEqual({ kind: 'value', value: Number.NaN });
  });
  it('is no data for an empty vector, several series, a matrix, error JSON and a body that is not JSON', () => {
    expect(parsePrometheusAnswer(200, vector(), W)).toMatchObject({ kind: 'noData', reason: expect.stringMatching(/no series/) });
    expect(parsePrometheusAnswer(200, vector('1', '2'), W)).toMatchObject({ kind: 'noData', reason: expect.stringMatching(/2 series; aggregate/) });
    expect(parsePrometheusAnswer(200, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), W)).toMatchObject({ kind: 'noData', reason: expect.stringMatching(/range vector/) });
    expect(parsePrometheusAnswer(400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }), W))
      .toEqual({ kind: 'noData', reason: 'Prometheus refused the query (400 bad_data: parse error at char 5)' });
    expect(parsePrometheusAnswer(404, '404 page not found', W)).toMatchObject({ kind: 'noData', reason: expect.stringMatching(/answered 404 with no JSON: 404 page not found; is the url/) });
    expect(parsePrometheusAnswer(200, vector('abc'), W)).toMatchObject({ kind: 'noData' });
  });
});

describe('fieldOfAnswer', () => {
  const U = 'http://svc/selfcheck';
  it('reads a number, a numeric string or a boolean at the path', () => {
    expect(fieldOfAnswer(200, '{"errors":2}', U, '$.errors')).toEqual({ kind: 'value', value: 2 });
    expect(fieldOfAnswer(200, '{"a":{"b":["0.5"]}}', U, '$.a.b[0]')).toEqual({ kind: 'value', value: 0.5 });
    expect(fieldOfAnswer(200, '{"ok":true}', U, '$.ok')).toEqual({ kind: 'value', value: 1 });
  });
  it('is no data for a non-2xx answer, a body that is not JSON, a missing field or one that is not a number', () => {
    expect(fieldOfAnswer(503, 'down', U, '$.errors')).toEqual({ kind: 'noData', reason: 'GET http://svc/selfcheck answered 503: down' });
    expect(fieldOfAnswer(200, '<html>', U, '$.errors').kind).toBe('noData');
    expect(fieldOfAnswer(200, '{}', U, '$.errors')).toEqual({ kind: 'noData', reason: '$.errors is not in the answer of http://svc/selfcheck' });
    expect(fieldOfAnswer(200, '{"errors":"many"}', U, '$.errors')).toEqual({ kind: 'noData', reason: '$.errors is "many", not a number' });
    expect(fieldOfAnswer(200, '{"errors":null}', U, '$.errors').kind).toBe('noData');
  });
});
