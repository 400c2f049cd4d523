/**
 * What cutover knows of one endpoint. It starts `unknown`: an endpoint nobody has
 * reached yet is not healthy, whatever its config says (Envoy's cluster warming,
 * Kong's /status/ready). It becomes `healthy` once it proved itself: by its first
 * passing health check where `upstream.healthCheck` is set (a connection that opens
 * only to fail the check proves nothing), else by the first connection opened to it
 * (a warm one, or live traffic's); `unhealthy` only by failing health checks
 * (`unhealthyThreshold` in a row, counted from the start). Requests still go to an
 * `unknown` endpoint (its first request is how an unwarmed, unchecked one proves
 * itself); readiness does not count it.
 */
export type EndpointHealth = 'unknown' | 'healthy' | 'unhealthy';

/** The part of an endpoint's pool that says how, if ever, it proves itself. */
export interface ProvableEndpoint {
  health: EndpointHealth;
  warm: number;
  healthCheck: unknown;
}

/**
 * With no warm connections and no health checks, nothing reaches an endpoint before
 * live traffic does, and readiness gating that traffic would wait forever: such an
 * endpoint is taken on trust until its first request.
 */
export function provable(endpoint: ProvableEndpoint): boolean {
  return endpoint.warm > 0 || endpoint.healthCheck !== null;
}

/** Counts for readiness: proven healthy, or taken on trust because nothing could prove it. */
export function countsAsProven(endpoint: ProvableEndpoint): boolean {
  return endpoint.health === 'healthy' || (endpoint.health === 'unknown' && !provable(endpoint));
}
