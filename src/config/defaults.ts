// Every default with its unit in the name, so the docs and the schema cannot disagree.

export const DEFAULT_DATA_LISTEN = '0.0.0.0:8080';
export const DEFAULT_ADMIN_LISTEN = '127.0.0.1:9901';
export const DEFAULT_STATE_FILE = '.cutover/state.json';
export const DEFAULT_CONFIG_FILE = 'config/cutover.yaml';
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
export const DEFAULT_STICKY_MAX_AGE_MS = 86_400_000;
export const DEFAULT_GATE_TIMEOUT_MS = 60_000;
export const RELOAD_DEBOUNCE_MS = 200;
/** Fleet leader lease: a new leader takes over within it after the old one dies. */
export const DEFAULT_FLEET_LEASE_TTL_MS = 3_000;
export const MIN_FLEET_LEASE_TTL_MS = 500;
/** `log.level` and `--log-level`: pino's levels, from the fewest lines to the most, and off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const DEFAULT_LIMITS = {
  maxBodySize: 10 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaders: 100,
  maxHeaderSize: 64 * 1024,
  /** Request target (path and query); 414 above it. nginx's large_client_header_buffers default is 8 KiB too. */
  maxUriLength: 8 * 1024,
  maxConnections: 10_000,
  underscoreHeaders: 'drop',
} as const;

export const DEFAULT_UPSTREAM = {
  connections: 128,
  warm: 4,
  connectTimeoutMs: 2_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  keepAliveTimeoutMs: 4_000,
} as const;

export const DEFAULT_HEALTH_CHECK = {
  path: '/healthz',
  intervalMs: 5_000,
  timeoutMs: 1_000,
  unhealthyThreshold: 3,
  healthyThreshold: 1,
} as const;

/** Passive ejection: connect failures in a row before an endpoint is ejected, and the backoff that doubles while it keeps failing. */
export const DEFAULT_EJECTION = {
  connectFailures: 3,
  baseTimeMs: 1_000,
  maxTimeMs: 60_000,
} as const;

export const DEFAULT_ROLLOUT = {
  steps: [1, 5, 10, 25, 50, 100],
  minStepDurationMs: 30_000,
  maxStepDurationMs: 600_000,
  minSamples: 200,
  errorTolerance: 0.005,
  latencyQuantile: 0.99,
  latencyTolerance: 0.2,
  falseRollbackRate: 0.01,
} as const;

/** What counts as a failed request for the analysis (`failure:`): HTTP classes and gRPC codes from grpc-status. */
export const DEFAULT_FAILURE = {
  status: ['5xx'],
  grpcStatus: ['UNKNOWN', 'DEADLINE_EXCEEDED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS'],
} as const;

/**
 * HTTP/2 downstream limits. Concurrent streams as nginx's http2_max_concurrent_streams (128);
 * the rest bound what one connection may make the process hold or do (docs/security.md).
 */
export const DEFAULT_HTTP2 = {
  maxConcurrentStreams: 128,
  /** MB of memory nghttp2 may hold for one session before new streams are refused. */
  maxSessionMemoryMb: 10,
  maxSettings: 32,
  /** Pings and settings not yet answered; past it the session is closed (ENHANCE_YOUR_CALM). */
  maxOutstandingPings: 10,
  maxOutstandingSettings: 10,
} as const;

/** `rollout.checks[]`: a failed evaluation reverts at once unless failureLimit says otherwise (Argo's failureLimit 0). */
export const DEFAULT_CHECK = {
  intervalMs: 30_000,
  timeoutMs: 5_000,
  failureLimit: 1,
  noData: 'hold',
} as const;

/** The shadow step (rollout.shadow): mirrored reads compared with stable's answers before any user sees the canary. */
export const DEFAULT_SHADOW = {
  methods: ['GET', 'HEAD'],
  mismatchTolerance: 0.01,
  /** Shadow requests in flight per route; beyond it a mirror is dropped and counted, never queued. */
  maxInFlight: 64,
  /** The shadow copy's own deadline (headers and body): a slow canary costs the client nothing. */
  timeoutMs: 5_000,
  /** Bodies up to this size are kept for a structural (JSON) comparison; larger ones are compared by SHA-256. */
  compareBodyLimit: 64 * 1024,
  /** Mismatch examples kept per route for the API, the dashboard and `cutover status`. */
  examples: 5,
} as const;
