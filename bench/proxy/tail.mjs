// The added-latency tail at a fixed rate, measured with a generator whose own floor is low
// enough to see it: wrk paced by paced.lua (direct p99 a few hundred µs on a quiet machine),
// wrk beside the upstream on core 0, each proxy alone on core 1.
//
// Each round measures every proxy right after (or, on odd rounds, right before) its own
// `direct` run, so "added" is the difference of two loads a few seconds apart: on a shared
// machine the noise moves over minutes, and pairing keeps a slow minute on both sides.

import { loadavg } from 'node:os';

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs `rounds` rounds of paired paced loads and returns them with a summary.
 * `measure(name, opts)` is run.mjs's (load plus the target's CPU around it).
 */
export async function tailRounds({ measure, names, rounds, seconds, rate, connections, log }) {
  const proxies = names.filter((n) => n !== 'direct');
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const order = proxies.map((_, k) => proxies[(k + i) % proxies.length]);
    // The 1-minute load average when the round starts: how much else ran on the two cores.
    const round = {};
    Object.defineProperty(round, 'loadAverage', { value: loadavg()[0], enumerable: false });
    for (const name of order) {
      const opts = { mode: 'paced-wrk', connections, rate, durationS: seconds };
      const first = i % 2 === 0 ? 'direct' : name;
      const a = await measure(first, opts);
      const b = await measure(first === 'direct' ? name : 'direct', opts);
      const [direct, proxy] = first === 'direct' ? [a, b] : [b, a];
      round[name] = pairOf(direct, proxy, rate * seconds);
      log(`tail round ${i + 1} ${name}: direct p50/p99 ${direct.p50.toFixed(3)}/${direct.p99.toFixed(3)} ms, ${name} ${proxy.p50.toFixed(3)}/${proxy.p99.toFixed(3)} ms, ${round[name].invalid ? `invalid: ${direct.requests} direct / ${proxy.requests} proxied requests` : `added p99 ${round[name].addedP99.toFixed(3)} ms`}`);
    }
    out.push(round);
  }
  return { rounds: out, loadAverages: out.map((r) => r.loadAverage), summary: summariseTail(out, proxies, out.map((r) => r.loadAverage)) };
}

/**
 * A proxy load and its direct neighbour. A load that served less than half the requests it was
 * paced for (the process was frozen, e.g. its pages evicted on a machine short of memory, or
 * every request timed out) has no meaningful percentiles: its added figures are null and the
 * pair is marked `invalid`, instead of a zero latency turning into a negative "added".
 */
export function pairOf(direct, proxy, expected) {
  const valid = direct.requests >= expected / 2 && proxy.requests >= expected / 2;
  const added = (k) => (valid ? proxy[k] - direct[k] : null);
  return { direct, proxy, addedP50: added('p50'), addedP99: added('p99'), addedP999: added('p999'), ...(valid ? {} : { invalid: true }) };
}

/**
 * Per round: each proxy's added p50/p99 and cutover's added p99 against node-http-proxy's
 * and nginx's. The issue's targets are judged round by round (both sides ran in the same
 * minute); medians over rounds are given for the headline.
 */
export function summariseTail(rounds, proxies, loadAverages = []) {
  const perRound = rounds.map((r, i) => {
    const c = r.cutover;
    const hp = r['http-proxy'];
    const ngx = r.nginx;
    // A ratio to an added p99 at or below zero (the peer was no slower than direct in that
    // round, i.e. within the noise), or of a negative one (cutover's own direct leg was the
    // slower), means nothing; it is left out rather than shown negative.
    const over = (a, b) => (a?.addedP99 != null && b?.addedP99 != null && a.addedP99 >= 0 && b.addedP99 > 0 ? a.addedP99 / b.addedP99 : null);
    const both = (a, b) => a?.addedP99 != null && b?.addedP99 != null;
    return {
      round: i + 1,
      loadAverage: loadAverages[i] ?? null,
      directP99: median(Object.values(r).map((m) => m.direct.p99)),
      vsHttpProxy: over(c, hp),
      vsNginx: over(c, ngx),
      notWorseThanHttpProxy: both(c, hp) ? c.addedP99 <= hp.addedP99 : null,
      // Only judged in rounds quiet enough that nginx adds at most 0.5 ms, and really adds it:
      // a negative figure, or a direct leg whose own p99 is over 1 ms, is noise, not quiet.
      withinOneMs: both(c, ngx) && ngx.addedP99 >= 0 && ngx.addedP99 <= 0.5 && ngx.direct.p99 <= 1 ? c.addedP99 <= 1 : null,
      late: Object.values(r).reduce((n, m) => n + (m.direct.late ?? 0) + (m.proxy.late ?? 0), 0),
      // null when the run did not record them (no /proc, or an older result file).
      majorFaults: Object.values(r).some((m) => typeof m.proxy.majorFaults === 'number') ? Object.values(r).reduce((n, m) => n + (m.proxy.majorFaults ?? 0), 0) : null,
      invalid: Object.entries(r).filter(([, m]) => m.invalid).map(([name]) => name),
    };
  });
  const targets = {};
  for (const name of proxies) {
    const rs = rounds.map((r) => r[name]).filter(Boolean);
    targets[name] = {
      addedP50: median(rs.map((m) => m.addedP50)),
      addedP99: median(rs.map((m) => m.addedP99)),
      addedP999: median(rs.map((m) => m.addedP999)),
      p99: median(rs.map((m) => m.proxy.p99)),
      directP99: median(rs.map((m) => m.direct.p99)),
      cpuMsPer10k: median(rs.map((m) => m.proxy.cpuMsPer10k)),
      errors: rs.reduce((n, m) => n + m.proxy.errors + m.proxy.non2xx + m.direct.errors + m.direct.non2xx, 0),
    };
  }
  return {
    perRound,
    targets,
    vsHttpProxy: median(perRound.map((p) => p.vsHttpProxy)),
    vsNginx: median(perRound.map((p) => p.vsNginx)),
    roundsNotWorseThanHttpProxy: perRound.filter((p) => p.notWorseThanHttpProxy === true).length,
    roundsJudgedAgainstHttpProxy: perRound.filter((p) => p.notWorseThanHttpProxy !== null).length,
    roundsJudgedForOneMs: perRound.filter((p) => p.withinOneMs !== null).length,
    roundsWithinOneMs: perRound.filter((p) => p.withinOneMs === true).length,
  };
}

const f = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x).toFixed(d));

export function tailMarkdown({ config, rounds, summary }) {
  const lines = [];
  const proxies = Object.keys(summary.targets);
  lines.push(`Added tail at a fixed rate: ${config.rounds} rounds × ${config.seconds} s per load, ${config.rate} req/s paced by wrk + bench/proxy/paced.lua, ${config.connections} connections; every proxy load paired with a \`direct\` load next to it; "added" = proxy − its paired direct.`, '');
  lines.push(`| round | load average | direct p99 ms | ${proxies.map((p) => `${p} added p50 / p99 ms`).join(' | ')} | cutover ÷ http-proxy added p99 | cutover ÷ nginx added p99 | late slots | proxies' major page faults |`);
  lines.push(`| ---: | ---: | ---: | ${proxies.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: |`);
  summary.perRound.forEach((p, i) => {
    const r = rounds[i];
    lines.push(`| ${p.round} | ${f(p.loadAverage, 1)} | ${f(p.directP99, 3)} | ${proxies.map((n) => (!r[n] ? '–' : r[n].invalid ? `invalid: ${r[n].direct.requests} direct / ${r[n].proxy.requests} proxied requests` : `${f(r[n].addedP50, 3)} / ${f(r[n].addedP99, 3)}`)).join(' | ')} | ${f(p.vsHttpProxy)} | ${f(p.vsNginx)} | ${p.late} | ${p.majorFaults ?? '–'} |`);
  });
  lines.push(`| median | | ${f(median(summary.perRound.map((p) => p.directP99)), 3)} | ${proxies.map((n) => `${f(summary.targets[n].addedP50, 3)} / ${f(summary.targets[n].addedP99, 3)}`).join(' | ')} | ${f(summary.vsHttpProxy)} | ${f(summary.vsNginx)} | | |`);
  lines.push('');
  lines.push('| target (issue 15, item 5), judged per round | rounds met |', '| --- | ---: |');
  if (summary.perRound.some((p) => p.notWorseThanHttpProxy !== null)) lines.push(`| cutover's added p99 ≤ node-http-proxy's | ${summary.roundsNotWorseThanHttpProxy} of ${summary.roundsJudgedAgainstHttpProxy} |`);
  lines.push(`| cutover's added p99 ≤ 1 ms where nginx adds ≤ 0.5 ms | ${summary.roundsJudgedForOneMs === 0 ? 'no round that quiet' : `${summary.roundsWithinOneMs} of ${summary.roundsJudgedForOneMs}`} |`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}
