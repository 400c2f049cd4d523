// How close any anytime-valid test can get to the oracle: the one-sample sequential
// likelihood-ratio test (Wald's SPRT, one boundary at ln 1/β) *told the true rates*, on exactly the
// thresholds of the oracle, run to acceptance. Its median canary requests ÷ the oracle is a floor
// for the bench's ratio column: the analysis also has to learn the rates and to read thresholds off
// 10 % buckets. Usage: node bench/analysis/sprt-bound.mjs (seconds; seeded, bounded).
import { latencyRates, oracleRequests } from './oracle.mjs';

const BETA = 0.05;
const RUNS = 2000;
const MAX_REQUESTS = 200_000;

function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Median requests until the LR of Bernoulli(p) against Bernoulli(p0), times `scale`, reaches 1/β. */
function medianToAccept(p, p0, scale) {
  const rand = seeded(7);
  const kelly = (p0 - p) / (p0 * (1 - p0));
  const lambda = Math.min(scale * kelly, 0.95 / (1 - p0));
  const up = Math.log1p(lambda * p0);
  const down = Math.log1p(lambda * (p0 - 1));
  const n = [];
  for (let r = 0; r < RUNS; r++) {
    let logE = 0;
    let k = 0;
    while (logE < Math.log(1 / BETA) && k < MAX_REQUESTS) {
      k++;
      logE += rand() < p ? down : up;
    }
    n.push(k);
  }
  return n.sort((a, b) => a - b)[RUNS / 2 - 1];
}

const rows = [['errors 0.1 % vs 0.6 %', 0.001, 0.006]];
for (const q of [0.5, 0.9, 0.99]) {
  const { p, p0 } = latencyRates({ lognormal: [20, 120] }, q, 0.2);
  rows.push([`lognormal 20/120 ms, p${q * 100} within 20 %`, p, p0]);
}
console.log('| test (healthy, true rates) | oracle | SPRT median (÷ oracle) | 1.5 × Kelly bet (÷ oracle) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, p, p0] of rows) {
  const oracle = oracleRequests(p, p0, BETA);
  const a = medianToAccept(p, p0, 1);
  const b = medianToAccept(p, p0, 1.5);
  console.log(`| ${name} | ${oracle} | ${a} (${(a / oracle).toFixed(2)}) | ${b} (${(b / oracle).toFixed(2)}) |`);
}
