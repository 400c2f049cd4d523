import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { checksSchema } from './checks-schema.js';
import { parseDuration, parsePercent, parseSize } from './units.js';
import {
  DEFAULT_ADMIN_LISTEN, DEFAULT_DATA_LISTEN, DEFAULT_STATE_FILE, DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_LIMITS,
  DEFAULT_UPSTREAM, DEFAULT_HEALTH_CHECK, DEFAULT_EJECTION, DEFAULT_ROLLOUT, DEFAULT_STICKY_MAX_AGE_MS, DEFAULT_GATE_TIMEOUT_MS,
  LOG_LEVELS, DEFAULT_FAILURE, DEFAULT_SHADOW, DEFAULT_FLEET_LEASE_TTL_MS, MIN_FLEET_LEASE_TTL_MS,
} from './defaults.js';
import { GRPC_STATUS_NAMES, grpcStatusCode } from './grpc-status.js';

// One schema yields both the runtime validator and the TypeScript type (z.output).
// Every object is strict: an unknown key is an error, never silently ignored.

function unit(parse: (v: unknown) => number | string) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const out = parse(value);
    if (typeof out === 'string') {
      ctx.addIssue({ code: 'custom', message: out });
      return z.NEVER;
    }
    return out;
  });
}
const duration = unit(parseDuration);
const size = unit(parseSize);
const percent = unit(parsePercent);
/** A percentage stored as a fraction (0.5% → 0.005). */
const fraction = percent.transform((p) => p / 100);

const HOST_PORT_RE = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/;
const listenAddress = z.string().refine((s) => {
  const m = HOST_PORT_RE.exec(s);
  return m !== null && Number(m[2]) <= 65535;
}, { message: 'must be host:port, for example 0.0.0.0:8080 or 127.0.0.1:9901' });

const endpoint = z.string().transform((s, ctx) => {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a URL: "${s}" (expected http://host:port)` });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `unsupported scheme "${url.protocol}" in "${s}": use http:// or https://` });
    return z.NEVER;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    ctx.addIssue({ code: 'custom', message: `"${s}" must be an origin only (scheme, host and port), without path, query or credentials` });
    return z.NEVER;
  }
  return url.origin;
});

const cidr = z.string().refine((s) => {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
}, { message: 'must be an IP address or CIDR such as 10.0.0.0/8 or ::1/128' });

const hostPattern = z.string().regex(/^(\*\.)?[a-zA-Z0-9.-]+(:\d+)?$/, 'must be a host name such as shop.example.com or *.example.com');

const version = z.strictObject({
  endpoints: z.array(endpoint).min(1, 'needs at least one endpoint'),
  /** Only a label: what {{stable.revision}} and a compare check's {{revision}} are filled with. */
  revision: z.union([z.string(), z.number()]).transform(String).optional(),
});
const canaryVersion = z.strictObject({
  endpoints: z.array(endpoint).min(1, 'needs at least one endpoint'),
  revision: z.union([z.string(), z.number()]).transform(String).optional(),
});

const healthCheck = z.strictObject({
  path: z.string().startsWith('/', 'must start with /').default(DEFAULT_HEALTH_CHECK.path),
  interval: duration.default(DEFAULT_HEALTH_CHECK.intervalMs),
  timeout: duration.default(DEFAULT_HEALTH_CHECK.timeoutMs),
  unhealthyThreshold: z.number().int().min(1).default(DEFAULT_HEALTH_CHECK.unhealthyThreshold),
  healthyThreshold: z.number().int().min(1).default(DEFAULT_HEALTH_CHECK.healthyThreshold),
});

const ejection = z.strictObject({
  connectFailures: z.number().int().min(1).default(DEFAULT_EJECTION.connectFailures),
  baseTime: duration.default(DEFAULT_EJECTION.baseTimeMs),
  maxTime: duration.default(DEFAULT_EJECTION.maxTimeMs),
});

const upstream = z.strictObject({
  connections: z.number().int().min(1).max(100_000).default(DEFAULT_UPSTREAM.connections),
  warm: z.number().int().min(0).max(10_000).default(DEFAULT_UPSTREAM.warm),
  connectTimeout: duration.default(DEFAULT_UPSTREAM.connectTimeoutMs),
  headersTimeout: duration.default(DEFAULT_UPSTREAM.headersTimeoutMs),
  bodyTimeout: duration.default(DEFAULT_UPSTREAM.bodyTimeoutMs),
  keepAliveTimeout: duration.default(DEFAULT_UPSTREAM.keepAliveTimeoutMs),
  healthCheck: healthCheck.optional(),
  ejection: ejection.default(() => ejection.parse({})),
  protocol: z.enum(['http1', 'http2', 'h2c']).default('http1'),
  /** PEM file of extra CAs to trust for https:// endpoints (a private CA); the system's stay trusted. */
  ca: z.string().min(1).optional(),
});

/** `5xx`, `4xx`... or one code such as 429. */
const statusClass = z.union([z.string().regex(/^[1-5]xx$/, 'must be a class such as 5xx or a code such as 503'), z.number().int().min(100).max(599)]);
const grpcStatus = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const code = grpcStatusCode(v);
  if (code === null) {
    ctx.addIssue({ code: 'custom', message: `unknown gRPC status ${JSON.stringify(v)}; use one of ${GRPC_STATUS_NAMES.join(', ')} or its number 0-16` });
    return z.NEVER;
  }
  return code;
});
const failure = z.strictObject({
  status: z.union([statusClass, z.array(statusClass)]).transform((v) => (Array.isArray(v) ? v : [v])).default([...DEFAULT_FAILURE.status]),
  grpcStatus: z.array(grpcStatus).default(() => DEFAULT_FAILURE.grpcStatus.map((n) => grpcStatusCode(n)!)),
});

/** A certificate and its key, PEM files; read and checked when the listener starts (src/proxy/certificates.ts). */
const tls = z.strictObject({
  certificates: z.array(z.strictObject({ cert: z.string().min(1), key: z.string().min(1) })).min(1, 'needs at least one { cert, key } pair'),
});

const gate = z.union([
  z.strictObject({
    http: z.strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
      expectStatus: z.number().int().min(100).max(599).default(200),
      timeout: duration.default(DEFAULT_GATE_TIMEOUT_MS),
    }),
  }),
  z.strictObject({
    command: z.array(z.string()).min(1, 'needs the program and its arguments'),
    timeout: duration.default(DEFAULT_GATE_TIMEOUT_MS),
  }),
  z.strictObject({
    // Checked with src/migrations (check-migrations); the gate never runs the SQL.
    migrations: z.strictObject({
      path: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'a .sql file or a directory of them, or a list of those' }),
      dialect: z.enum(['postgres', 'mysql', 'sqlserver', 'sqlite']).default('postgres'),
      phase: z.enum(['expand', 'contract']).default('expand'),
    }),
  }),
], { error: 'a gate is { http: { url, expectStatus } }, { command: [program, args...] } or { migrations: { path, dialect: postgres|mysql|sqlserver|sqlite, phase: expand|contract } }' });

const headerName = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a valid header name').transform((s) => s.toLowerCase());
// $.a.b, $.items[*].id, $.list[0]: the subset of JSONPath that names fields to drop before comparing.
const jsonPath = z.string().regex(/^\$((\.[A-Za-z_$][\w$-]*)|(\[(\*|\d+|'[^']*'|"[^"]*")\]))+$/, "must be a JSONPath such as $.generatedAt, $.items[*].updatedAt or $['odd key']");

const shadow = z.strictObject({
  share: percent.refine((p) => p > 0 && p <= 100, 'must be above 0% and at most 100%').transform((p) => p / 100),
  methods: z.array(z.string().regex(/^[A-Za-z]+$/, 'must be an HTTP method such as GET').transform((m) => m.toUpperCase())).min(1, 'needs at least one method').default([...DEFAULT_SHADOW.methods]),
  mismatchTolerance: fraction.refine((f) => f > 0 && f < 0.5, 'must be above 0% and below 50% (0% would make one mismatch a certainty, not a test)').default(DEFAULT_SHADOW.mismatchTolerance),
  ignore: z.strictObject({
    headers: z.array(headerName).default([]),
    jsonPaths: z.array(jsonPath).default([]),
  }).default({ headers: [], jsonPaths: [] }),
  redactHeaders: z.array(headerName).default([]),
  maxInFlight: z.number().int().min(1).max(10_000).default(DEFAULT_SHADOW.maxInFlight),
  timeout: duration.refine((ms) => ms > 0, 'must be above 0').default(DEFAULT_SHADOW.timeoutMs),
  compareBodyLimit: size.default(DEFAULT_SHADOW.compareBodyLimit),
});

const rollout = z.strictObject({
  steps: z.array(percent).min(1, 'needs at least one step').default([...DEFAULT_ROLLOUT.steps]),
  minStepDuration: duration.default(DEFAULT_ROLLOUT.minStepDurationMs),
  maxStepDuration: duration.default(DEFAULT_ROLLOUT.maxStepDurationMs),
  minSamples: z.number().int().min(1).default(DEFAULT_ROLLOUT.minSamples),
  errorRate: z.strictObject({ tolerance: fraction.default(DEFAULT_ROLLOUT.errorTolerance) }).default({ tolerance: DEFAULT_ROLLOUT.errorTolerance }),
  latency: z.strictObject({
    quantile: z.number().gt(0).lt(1).default(DEFAULT_ROLLOUT.latencyQuantile),
    tolerance: fraction.default(DEFAULT_ROLLOUT.latencyTolerance),
  }).default({ quantile: DEFAULT_ROLLOUT.latencyQuantile, tolerance: DEFAULT_ROLLOUT.latencyTolerance }),
  falseRollbackRate: fraction.default(DEFAULT_ROLLOUT.falseRollbackRate),
  gates: z.array(gate).default([]),
  /** Run once the canary is promoted; the result is recorded and notified, never un-promotes. */
  afterPromotion: z.array(gate).default([]),
  shadow: shadow.optional(),
  notify: z.array(z.strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    headers: z.record(z.string(), z.string()).optional(),
  })).default([]),
  checks: checksSchema.default([]),
});

const route = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/, 'must match [a-z0-9-]+ (lower-case letters, digits and dashes)').max(63),
  match: z.strictObject({
    host: hostPattern.optional(),
    pathPrefix: z.string().startsWith('/', 'must start with /').default('/'),
  }).default({ pathPrefix: '/' }),
  stable: version,
  canary: canaryVersion.optional(),
  weight: percent.default(0),
  sticky: z.strictObject({
    cookie: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a valid cookie name'),
    maxAge: duration.default(DEFAULT_STICKY_MAX_AGE_MS),
    secret: z.string().min(16, 'must be at least 16 characters').optional(),
  }).optional(),
  override: z.strictObject({
    header: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a valid header name').transform((s) => s.toLowerCase()),
    enabled: z.boolean().default(true),
    allowFrom: z.array(cidr).optional(),
  }).optional(),
  upstream: upstream.default(() => upstream.parse({})),
  failure: failure.default(() => failure.parse({})),
  rollout: rollout.optional(),
});

const limits = z.strictObject({
  maxBodySize: size.default(DEFAULT_LIMITS.maxBodySize),
  headersTimeout: duration.default(DEFAULT_LIMITS.headersTimeoutMs),
  requestTimeout: duration.default(DEFAULT_LIMITS.requestTimeoutMs),
  keepAliveTimeout: duration.default(DEFAULT_LIMITS.keepAliveTimeoutMs),
  maxHeaders: z.number().int().min(1).max(10_000).default(DEFAULT_LIMITS.maxHeaders),
  maxHeaderSize: size.default(DEFAULT_LIMITS.maxHeaderSize),
  maxUriLength: size.default(DEFAULT_LIMITS.maxUriLength),
  maxConnections: z.number().int().min(1).default(DEFAULT_LIMITS.maxConnections),
  underscoreHeaders: z.enum(['drop', 'reject', 'allow']).default(DEFAULT_LIMITS.underscoreHeaders),
});

// Many replicas, one rollout per route (src/fleet/). The replica id defaults to host and pid so
// two processes on one host never share an id, which would let both believe they hold the lease.
const fleet = z.strictObject({
  redis: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// or rediss:// URL, for example redis://127.0.0.1:6379/0'),
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must match [A-Za-z0-9._-]+ (it is the Redis key prefix)').max(100),
  replica: z.string().regex(/^[^\s|]+$/, 'must be a non-empty id without spaces or "|", unique per replica (e.g. ${HOSTNAME})').max(200)
    .default(() => `${hostname()}-${process.pid}`),
  leaseTtl: duration.refine((ms) => ms >= MIN_FLEET_LEASE_TTL_MS, { message: `must be at least ${MIN_FLEET_LEASE_TTL_MS}ms` }).default(DEFAULT_FLEET_LEASE_TTL_MS),
});

export const configSchema = z.strictObject({
  listen: listenAddress.default(DEFAULT_DATA_LISTEN),
  admin: z.strictObject({
    listen: listenAddress.default(DEFAULT_ADMIN_LISTEN),
    token: z.string().optional().transform((t) => (t === '' ? undefined : t)),
    tokenFile: z.string().optional(),
  }).default({ listen: DEFAULT_ADMIN_LISTEN, token: undefined }),
  stateFile: z.string().min(1).default(DEFAULT_STATE_FILE),
  workers: z.union([z.number().int().min(1).max(256), z.literal('auto')]).default(1),
  tls: tls.optional(),
  http2: z.boolean().default(true),
  drainTimeout: duration.default(DEFAULT_DRAIN_TIMEOUT_MS),
  trustedProxies: z.array(cidr).default([]),
  log: z.strictObject({
    level: z.enum(LOG_LEVELS).default('info'),
    access: z.boolean().default(false),
  }).default({ level: 'info', access: false }),
  limits: limits.default(() => limits.parse({})),
  fleet: fleet.optional(),
  routes: z.array(route).min(1, 'needs at least one route'),
});

export type CutoverConfig = z.output<typeof configSchema>;
export type RouteConfig = CutoverConfig['routes'][number];
export type UpstreamConfig = RouteConfig['upstream'];
export type RolloutConfig = NonNullable<RouteConfig['rollout']>;
export type GateConfig = RolloutConfig['gates'][number];
export type ShadowConfig = NonNullable<RolloutConfig['shadow']>;
export type LimitsConfig = CutoverConfig['limits'];
export type TlsConfig = NonNullable<CutoverConfig['tls']>;
export type FailureConfig = RouteConfig['failure'];
export type UpstreamProtocol = UpstreamConfig['protocol'];
export type FleetConfig = NonNullable<CutoverConfig['fleet']>;
