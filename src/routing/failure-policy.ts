import type { FailureConfig } from '../config/schema.js';

/**
 * `failure:` of one route, compiled once per route table into lookup tables:
 * which HTTP statuses and which gRPC statuses count as a failed request for the
 * analysis. Everything else (a 404, a gRPC NOT_FOUND) is the application's answer
 * and is relayed, not held against the version.
 */
export class FailurePolicy {
  private readonly http = new Uint8Array(600);
  private readonly grpc = new Uint8Array(17);

  constructor(config: FailureConfig) {
    for (const s of config.status) {
      if (typeof s === 'number') this.http[s] = 1;
      else {
        const base = Number(s[0]) * 100;
        this.http.fill(1, base, base + 100);
      }
    }
    for (const g of config.grpcStatus) this.grpc[g] = 1;
  }

  failedStatus(status: number): boolean {
    return status >= 600 || this.http[status] === 1;
  }

  /** A grpc-status value as sent on the wire ("14"); one that is not a code 0-16 is UNKNOWN (2) per the gRPC spec. */
  failedGrpc(value: string): boolean {
    const n = value.length === 1 ? value.charCodeAt(0) - 48 : Number(value);
    return this.grpc[Number.isInteger(n) && n >= 0 && n <= 16 ? n : 2] === 1;
  }
}
