/** The replicas block of `cutover status` in fleet mode (GET /api/v1/fleet). */
export interface StatusFleet {
  name: string;
  leader: string | null;
  hold: string | null;
  store: { url: string; up: boolean; error: string | null };
  replicas: { id: string; leader: boolean; self: boolean; live: boolean; heartbeatAgeMs: number; requestsPerSecond: number; weights: Record<string, number>; configHash: string; configMatches: boolean }[];
}

export function renderFleet(f: StatusFleet): string {
  const lines = [`fleet ${f.name}: leader ${f.leader ?? '(none)'}, store ${f.store.up ? 'up' : `DOWN (${f.store.error ?? 'unreachable'})`} ${f.store.url}`];
  if (f.hold) lines.push(`  holding: ${f.hold}`);
  for (const r of f.replicas) {
    const weights = Object.entries(r.weights).map(([route, w]) => `${route}=${w}%`).join(' ');
    const flags = [r.leader ? 'leader' : '', r.self ? 'this' : '', r.live ? '' : 'GONE', r.configMatches ? '' : 'CONFIG DIFFERS'].filter(Boolean).join(', ');
    lines.push(`  ${r.id.padEnd(20)} ${`${r.requestsPerSecond} req/s`.padEnd(12)} heartbeat ${(r.heartbeatAgeMs / 1000).toFixed(1)}s ago  config ${r.configHash}  ${weights}${flags ? `  (${flags})` : ''}`);
  }
  return lines.join('\n') + '\n';
}
