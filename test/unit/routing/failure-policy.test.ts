import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { FailurePolicy } from '../../../src/routing/failure-policy.js';

function policy(failure?: Record<string, unknown>): FailurePolicy {
  const config = configSchema.parse({ routes: [{ name: 'r', stable: { endpoints: ['http://127.0.0.1:1'] }, ...(failure ? { failure } : {}) }] });
  return new FailurePolicy(config.routes[0]!.failure);
}

describe('FailurePolicy (failure:)', () => {
  it('defaults: 5xx, and UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE, DATA_LOSS', () => {
    const p = policy();
    expect([200, 404, 429, 499, 500, 503, 599].map((s) => p.failedStatus(s))).toEqual([false, false, false, false, true, true, true]);
    const failing = Array.from({ length: 17 }, (_, code) => code).filter((code) => p.failedGrpc(String(code)));
    expect(failing).toEqual([2, 4, 13, 14, 15]);
  });

  it('takes classes, codes, names in any case and numbers', () => {
    const p = policy({ status: ['5xx', 429], grpcStatus: ['unavailable', 8] });
    expect(p.failedStatus(429)).toBe(true);
    expect(p.failedStatus(430)).toBe(false);
    expect(p.failedGrpc('14')).toBe(true);
    expect(p.failedGrpc('8')).toBe(true);
    expect(p.failedGrpc('13')).toBe(false);
  });

  it('a grpc-status that is not a code 0-16 is UNKNOWN, as the gRPC spec reads it', () => {
    expect(policy().failedGrpc('banana')).toBe(true);
    expect(policy().failedGrpc('99')).toBe(true);
    expect(policy({ grpcStatus: ['INTERNAL'] }).failedGrpc('banana')).toBe(false);
  });

  it('an unknown gRPC status name is refused with the list of valid ones', () => {
    const parsed = configSchema.safeParse({ routes: [{ name: 'r', stable: { endpoints: ['http://127.0.0.1:1'] }, failure: { grpcStatus: ['UNAVAILABLE', 'TEAPOT'] } }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['routes', 0, 'failure', 'grpcStatus', 1]);
    expect(parsed.error!.issues[0]!.message).toMatch(/unknown gRPC status "TEAPOT"; use one of OK, CANCELLED/);
  });
});
