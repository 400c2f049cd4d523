// Turns the rounds of a bench run into medians, ratios and a Markdown table.

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Each target's figure is a median over rounds; each ratio is the median of the per-round
// ratios, so a slow minute on the shared machine hits both sides of a ratio alike.
export function summarise(rounds, names) {
  const per = (name, pick) => rounds.map((r) => (r[name] ? pick(r[name]) : null));
  const targets = {};
  for (const name of names) {
    targets[name] = {
      rps: median(per(name, (m) => m.closed.rps)),
      p50: median(per(name, (m) => m.closed.p50)),
      p99: median(per(name, (m) => m.closed.p99)),
      p999: median(per(name, (m) => m.closed.p999)),
      pacedP50: median(per(name, (m) => m.paced.p50)),
      pacedP99: median(per(name, (m) => m.paced.p99)),
      pacedP999: median(per(name, (m) => m.paced.p999)),
      addedP50: names.includes('direct') ? median(rounds.map((r) => r[name].paced.p50 - r.direct.paced.p50)) : null,
      addedP99: names.includes('direct') ? median(rounds.map((r) => r[name].paced.p99 - r.direct.paced.p99)) : null,
      cpuMsPer10k: median(per(name, (m) => m.closed.cpuMsPer10k)),
      cpuUtil: median(per(name, (m) => m.closed.cpuUtil)),
      rpsPerCore: median(per(name, (m) => m.closed.rpsPerCore)),
      rssMB: median(per(name, (m) => m.closed.rssMB)),
      errors: rounds.reduce((n, r) => n + (r[name] ? r[name].closed.errors + r[name].closed.non2xx + r[name].paced.errors + r[name].paced.non2xx : 0), 0),
    };
  }
  const ratio = (a, b, pick) => (names.includes(a) && names.includes(b) ? median(rounds.map((r) => pick(r[a]) / pick(r[b]))) : null);
  const ratios = {};
  for (const subject of ['cutover', 'cutover-w2-free', 'cutover-shadow']) {
    if (!names.includes(subject)) continue;
    for (const base of names) {
      if (base === subject) continue;
      ratios[`${subject} / ${base}`] = {
        rps: ratio(subject, base, (m) => m.closed.rps),
        rpsPerCore: base === 'direct' ? null : ratio(subject, base, (m) => m.closed.rpsPerCore),
        p99: ratio(subject, base, (m) => m.closed.p99),
        cpuPer10k: base === 'direct' ? null : ratio(subject, base, (m) => m.closed.cpuMsPer10k),
        rss: base === 'direct' ? null : ratio(subject, base, (m) => m.closed.rssMB),
      };
    }
  }
  return { targets, ratios, checks: checks(targets, ratios) };
}

function checks(t, r) {
  const out = [];
  const add = (what, value, ok, note = '') => out.push({ what, value, met: value === null || value === undefined ? null : ok, note });
  const get = (k) => r[k] ?? {};
  // Two readings of each throughput target: measured req/s (capped when the proxy is not the
  // bottleneck) and req/s per core-second of the proxy's own CPU (what it would do on a full core).
  for (const [base, what, min] of [['http-proxy', '≥ 2× node-http-proxy', 2], ['nginx', '≥ 0.30× nginx (stretch 0.35×)', 0.3], ['undici-bare', '≈ bare undici proxy (≥ 0.9×)', 0.9], ['cutover-off', 'features on within 10 % of off (≥ 0.9×)', 0.9]]) {
    add(`cutover ${what}, req/s`, get(`cutover / ${base}`).rps, get(`cutover / ${base}`).rps >= min);
    add(`cutover ${what}, req/s per proxy core`, get(`cutover / ${base}`).rpsPerCore, get(`cutover / ${base}`).rpsPerCore >= min);
  }
  const shadow = get('cutover-shadow / cutover');
  add('shadowing 100 % of requests: client req/s within 10 % of cutover (≥ 0.9×)', shadow.rps, shadow.rps >= 0.9);
  add('shadowing 100 % of requests: client p99 within 10 % of cutover (≤ 1.1×)', shadow.p99, shadow.p99 <= 1.1);
  const mirroredCpuUs = t['cutover-shadow'] && t.cutover ? ((t['cutover-shadow'].cpuMsPer10k - t.cutover.cpuMsPer10k) / 10_000) * 1000 : null;
  add('proxy CPU per mirrored request, µs (shadow − cutover per request; every request mirrored)', mirroredCpuUs, true, 'reported, no target');
  add('p99 added over direct at the fixed rate ≤ 1 ms', t.cutover?.addedP99 ?? null, (t.cutover?.addedP99 ?? Infinity) <= 1);
  return out;
}

const f = (x, d = 2) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));

export function markdown({ machine, config, summary, rssOverTime, idle }) {
  const lines = [];
  lines.push(`Machine: ${machine.nproc} × ${machine.cpu}, Node ${machine.node}, ${machine.nginx}; taskset ${machine.taskset ? 'yes (proxy on core 1, load generator and upstream on core 0)' : 'absent (nothing pinned)'}; ${machine.date}.`);
  lines.push(`Run: ${config.rounds} interleaved rounds × ${config.seconds} s per load; closed loop = ${config.loadgen}, ${config.connections} connections; fixed rate = ${config.rate} req/s paced open loop (latency from the intended send time).`, '');
  lines.push('| target | req/s | proxy CPU busy | req/s per proxy core | p50 ms | p99 ms | p99.9 ms | p50 / p99 / p99.9 ms @ fixed rate | p50 / p99 added over direct ms | CPU ms / 10k req | RSS MB | errors |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, t] of Object.entries(summary.targets)) {
    lines.push(`| ${name} | ${f(t.rps, 0)} | ${t.cpuUtil === null ? '–' : `${f(t.cpuUtil * 100, 0)} %`} | ${f(t.rpsPerCore, 0)} | ${f(t.p50)} | ${f(t.p99)} | ${f(t.p999)} | ${f(t.pacedP50)} / ${f(t.pacedP99)} / ${f(t.pacedP999)} | ${name === 'direct' ? '–' : `${f(t.addedP50)} / ${f(t.addedP99)}`} | ${f(t.cpuMsPer10k, 0)} | ${f(t.rssMB, 0)} | ${t.errors} |`);
  }
  lines.push('', '| ratio (median of per-round ratios) | req/s | req/s per proxy core | p99 | CPU / 10k req | RSS |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [k, v] of Object.entries(summary.ratios)) lines.push(`| ${k} | ${f(v.rps)} | ${f(v.rpsPerCore)} | ${f(v.p99)} | ${f(v.cpuPer10k)} | ${f(v.rss)} |`);
  lines.push('', '| target | value | met |', '| --- | ---: | --- |');
  for (const c of summary.checks) lines.push(`| ${c.what} | ${f(c.value)} | ${c.met === null ? 'not measured' : c.met ? 'yes' : 'no'} |`);
  lines.push('');
  if (rssOverTime) lines.push(`RSS over a ${rssOverTime.seconds} s closed-loop run of cutover (${rssOverTime.requests} requests), sampled every 5 s: ${rssOverTime.samplesMB.join(', ')} MB; growth after the first sample ${f(rssOverTime.growthMB, 0)} MB.`);
  if (idle) lines.push(idle.skipped ? `Idle connections: skipped, ${idle.skipped}.` : `Idle keep-alive connections: ${idle.connections} open (${idle.failed} failed, ${idle.stillOpenAtEnd} still open at the end); cutover RSS ${f(idle.rssBeforeMB, 0)} MB → ${f(idle.rssWithIdleMB, 0)} MB, about ${f(idle.perConnectionKB, 1)} KB per connection.`);
  return `${lines.join('\n')}\n`;
}
