// gRPC status codes (grpc/doc/statuscodes.md), by the names the config and the docs use.

export const GRPC_STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export type GrpcStatusName = typeof GRPC_STATUS_NAMES[number];

/** A status name (any case) or number 0-16 to its number; null when it is neither. */
export function grpcStatusCode(value: string | number): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value < GRPC_STATUS_NAMES.length ? value : null;
  const i = (GRPC_STATUS_NAMES as readonly string[]).indexOf(value.trim().toUpperCase());
  return i >= 0 ? i : null;
}

export const GRPC_UNAVAILABLE = 14;
export const GRPC_DEADLINE_EXCEEDED = 4;
export const GRPC_INTERNAL = 13;
export const GRPC_RESOURCE_EXHAUSTED = 8;
export const GRPC_UNIMPLEMENTED = 12;
