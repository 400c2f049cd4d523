// Simulation benchmark of the step analysis against a Flagger-style reference on the same
// simulated traffic. Usage: node bench/analysis/run.mjs [--runs N] [--quick] [--workers N]
// [--only 'scenario;scenario'] (build first: npx tsc -p tsconfig.build.json). Writes bench/results/analysis.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { DEFAULT_ROLLOUT } from '../../dist/config/defaults.js';
import { planStep } from '../../dist/analysis/index.js';
import { cellOracle } from './oracle.mjs';
import { SCENARIOS, runOnce } from './sim.mjs';

// The config's rollout defaults, as the analysis sees them over five analysed steps.
const { steps: _steps, ...ROLLOUT_DEFAULTS } = DEFAULT_ROLLOUT;
const POLICY = { ...ROLLOUT_DEFAULTS, analysedSteps: 5 };
const RATES = [100, 1_000, 10_000];
const PLAN = planStep(5, POLICY);
const TEST_LABELS = ['error rate', ...PLAN.quantiles.map((q) => `latency p${Number((q * 100).toPrecision(6))}`)];
const WEIGHTS = [1, 5, 10];

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function summarise(results, runs, pick) {
  const rs = results.map(pick);
  const count = (o) => rs.filter((r) => r.outcome === o).length;
  const times = (o) => rs.filter((r) => r.outcome === o).map((r) => r.atS).sort((a, b) => a - b);
  const reverts = times('fail');
  const passes = times('pass');
  return {
    revertRate: count('fail') / runs,
    passRate: count('pass') / runs,
    inconclusiveRate: count('inconclusive') / runs,
    invalidRate: count('invalid') / runs,
    revertMedianS: quantile(reverts, 0.5),
    revertP95S: quantile(reverts, 0.95),
    advanceMedianS: quantile(passes, 0.5),
    passesUnderMinSamples: rs.filter((r) => r.outcome === 'pass' && r.canaryRequests < POLICY.minSamples).length,
  };
}

/**
 * Median canary requests at acceptance, per test and for the step (every test accepted: the largest
 * of the four); a run where it never came counts as infinitely late, so the median is null unless
 * at least half the runs got there.
 */
function acceptanceMedians(results) {
  const median = (values) => {
    const sorted = values.sort((a, b) => a - b);
    const m = sorted[Math.ceil(sorted.length / 2) - 1];
    return m === Number.POSITIVE_INFINITY ? null : m;
  };
  const at = (r, label) => r.ours.acceptedAt[label] ?? Number.POSITIVE_INFINITY;
  const tests = {};
  for (const label of TEST_LABELS) tests[label] = median(results.map((r) => at(r, label)));
  return { tests, step: median(results.map((r) => Math.max(...TEST_LABELS.map((l) => at(r, l))))) };
}

function runCell(cell, runs) {
  const results = [];
  for (let r = 0; r < runs; r++) results.push(runOnce(cell.seed + r, cell.scenario, cell.rate, cell.weight, POLICY));
  const sc = SCENARIOS[cell.scenario];
  const out = { ...cell, runs, ours: summarise(results, runs, (x) => x.ours), flagger: summarise(results, runs, (x) => x.flagger) };
  if (sc.healthy) {
    out.accepted = acceptanceMedians(results);
    if (sc.oracleModel) out.oracle = cellOracle(sc.oracleModel, POLICY, PLAN.quantiles, PLAN.beta);
  }
  return out;
}


function parseArgs(argv) {
  const opts = { runs: 1000, workers: Math.min(2, availableParallelism()) };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') opts.runs = 50;
    else if (argv[i] === '--only') opts.only = argv[++i].split(';');
    else if (argv[i] === '--runs') opts.runs = Number(argv[++i]);
    else if (argv[i] === '--workers') opts.workers = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; use --runs N, --quick or --workers N`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs must be a positive integer');
  if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new Error('--workers must be a positive integer');
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const cells = [];
  for (const scenario of Object.keys(SCENARIOS).filter((s) => opts.only === undefined || opts.only.includes(s)))
    for (const rate of RATES) for (const weight of WEIGHTS) cells.push({ scenario, rate, weight, seed: (cells.length + 1) * 1_000_003 });
  const started = Date.now();
  const out = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.workers }, () => {
      const worker = new Worker(new URL(import.meta.url));
      return new Promise((resolve, reject) => {
        const feed = () => {
          if (next >= cells.length) {
            void worker.terminate().then(resolve);
            return;
          }
          worker.postMessage({ cell: cells[next++], runs: opts.runs });
        };
        worker.on('message', (res) => {
          out.push(res);
          if (out.length % 8 === 0) process.stderr.write(`${out.length}/${cells.length} cells\n`);
          feed();
        });
        worker.on('error', reject);
        feed();
      });
    }),
  );
  const order = (c) => cells.findIndex((x) => x.scenario === c.scenario && x.rate === c.rate && x.weight === c.weight);
  out.sort((a, b) => order(a) - order(b));
  const seconds = Math.round((Date.now() - started) / 1000);
  const targets = checkTargets(out);
  const command = `node bench/analysis/run.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const resultsDir = new URL('../results/', import.meta.url);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(new URL('analysis.json', resultsDir), JSON.stringify({ command, runs: opts.runs, seconds, policy: POLICY, targets, cells: out }, null, 2));
  const md = renderMarkdown(out, targets, command, opts.runs, seconds);
  writeFileSync(new URL('analysis.md', resultsDir), md);
  console.log(md);
}

function cellOf(out, scenario, rate, weight) {
  return out.find((c) => c.scenario === scenario && c.rate === rate && c.weight === weight);
}

function checkTargets(out) {
  const targets = [];
  const e5 = cellOf(out, 'errors +5pt', 1000, 5);
  if (e5 === undefined || cellOf(out, 'p99 x2', 1000, 5) === undefined || cellOf(out, 'tight, healthy', 1000, 5) === undefined) return advanceTargets(out, targets);
  targets.push({ target: '+5 points of errors reverted in median ≤ 5 s (1,000 req/s, 5 %)', value: e5.ours.revertMedianS, pass: e5.ours.revertMedianS !== null && e5.ours.revertMedianS <= 5 && e5.ours.revertRate >= 0.5 });
  const p99 = cellOf(out, 'p99 x2', 1000, 5);
  targets.push({ target: 'p99 ×2 reverted in median ≤ 10 s (1,000 req/s, 5 %)', value: p99.ours.revertMedianS, pass: p99.ours.revertMedianS !== null && p99.ours.revertMedianS <= 10 && p99.ours.revertRate >= 0.5 });
  const healthy = out.filter((c) => SCENARIOS[c.scenario].healthy);
  const worst = Math.max(...healthy.map((c) => c.ours.revertRate));
  targets.push({ target: 'healthy canaries reverted in ≤ 1 % of runs in every cell, incident included', value: worst, percent: true, pass: worst <= 0.01 });
  const tight = cellOf(out, 'tight, healthy', 1000, 5);
  targets.push({ target: 'tight latencies (all ≤ 5 ms), healthy: promoted in ≥ 90 % of runs (1,000 req/s, 5 %)', value: tight.ours.passRate, percent: true, pass: tight.ours.passRate >= 0.9 });
  const under = out.reduce((s, c) => s + c.ours.passesUnderMinSamples, 0);
  targets.push({ target: 'no canary promoted on fewer than minSamples canary requests', value: under, pass: under === 0 });
  return advanceTargets(out, targets);
}

/** Canary traffic a cell offers within maxStepDuration: the oracle is out of reach beyond it. */
function canaryBudget(c) {
  return (c.rate * c.weight * POLICY.maxStepDurationMs) / 100 / 1000;
}

function advanceTargets(out, targets) {
  const judged = out.filter((c) => c.oracle?.step != null && c.oracle.step <= canaryBudget(c));
  const ratios = judged.map((c) => (c.accepted.step === null ? Number.POSITIVE_INFINITY : c.accepted.step / c.oracle.step));
  const worst = ratios.length > 0 ? Math.max(...ratios) : null;
  targets.push({ target: 'healthy: median canary requests until every test is accepted ≤ 1.5 × oracle, in every cell whose oracle fits in maxStepDuration', value: worst === null ? null : Number(worst.toFixed(2)), pass: worst !== null && worst <= 1.5 });
  const regressions = out.filter((c) => c.scenario.startsWith('p99 x1.5') || c.scenario.startsWith('p99 x2'));
  const promoted = regressions.reduce((m, c) => Math.max(m, c.ours.passRate), 0);
  targets.push({ target: 'p99 × 1.5 and × 2 (also through an incident or a speed-up of both versions) never promoted', value: promoted, percent: true, pass: promoted === 0 });
  return targets;
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
const sec = (x) => (x === null ? '–' : `${x}`);

function renderMarkdown(out, targets, command, runs, seconds) {
  const lines = [
    `# Step analysis vs Flagger-style checks (simulation)`,
    '',
    `\`${command}\` — ${runs} runs per cell, ${seconds} s wall clock. Times are seconds into the step; "–" = no such run.`,
    `Policy: minStepDuration 30 s, maxStepDuration 10 m, minSamples 200, error tolerance 0.5 points, p99 tolerance 20 %, falseRollbackRate 1 % over 5 analysed steps (α_step = 0.2 %).`,
    `Flagger-style: 60 s interval, canary error rate > 1 % or p99 > 500 ms fails a check, 5 failed checks revert, a passing check advances.`,
    '',
    '## Targets',
    '',
    ...targets.map((t) => `- ${t.pass ? 'PASS' : 'MISS'}: ${t.target} (got ${t.percent === true ? pct(t.value) : sec(t.value)})`),
    '',
    '## Cells',
    '',
    '| scenario | req/s | weight | revert | revert s median / p95 | advance s median | pass / inconcl. / invalid | Flagger revert / pass | Flagger revert s median | Flagger advance s median |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of out) {
    const o = c.ours;
    const f = c.flagger;
    lines.push(
      `| ${c.scenario} | ${c.rate} | ${c.weight}% | ${pct(o.revertRate)} | ${sec(o.revertMedianS)} / ${sec(o.revertP95S)} | ${sec(o.advanceMedianS)} | ${pct(o.passRate)} / ${pct(o.inconclusiveRate)} / ${pct(o.invalidRate)} | ${pct(f.revertRate)} / ${pct(f.passRate)} | ${sec(f.revertMedianS)} | ${sec(f.advanceMedianS)} |`,
    );
  }
  lines.push('', ...renderOracle(out));
  return `${lines.join('\n')}\n`;
}

const ratio = (a, b) => (a === null || b === null || b === undefined ? '–' : (a / b).toFixed(2));

function renderOracle(out) {
  const healthy = out.filter((c) => c.accepted !== undefined);
  if (healthy.length === 0) return [];
  const head = TEST_LABELS.map((l) => l.replace('latency ', ''));
  const lines = [
    '## Healthy canaries: canary requests to advance vs the oracle',
    '',
    'Oracle: fewest canary requests at which a fixed-sample exact binomial test, told the true rates, at the same β, accepts in half of the runs.',
    '"accepted": median canary requests the test had seen when it was accepted (the step column: when the last of them was), `minSamples` and `minStepDuration` aside; "–" = not accepted in half of the runs. Ratio = accepted ÷ oracle.',
    'Incident cells have no single true rate (the rates move mid-step), so no oracle.',
    '',
    `| scenario | req/s | weight | canary budget | oracle ${head.join(' / ')} / step | accepted ${head.join(' / ')} / step | ratio ${head.join(' / ')} / **step** |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of healthy) {
    const o = c.oracle;
    const a = c.accepted;
    const oracleCol = o ? [...TEST_LABELS.map((l, i) => o.tests[Object.keys(o.tests)[i]] ?? '–'), o.step ?? '–'].join(' / ') : 'n/a';
    const acceptedCol = [...TEST_LABELS.map((l) => a.tests[l] ?? '–'), a.step ?? '–'].join(' / ');
    const ratioCol = o ? [...TEST_LABELS.map((l, i) => ratio(a.tests[l], o.tests[Object.keys(o.tests)[i]])), `**${ratio(a.step, o.step)}**`].join(' / ') : 'n/a';
    lines.push(`| ${c.scenario} | ${c.rate} | ${c.weight}% | ${Math.round(canaryBudget(c))} | ${oracleCol} | ${acceptedCol} | ${ratioCol} |`);
  }
  return lines;
}

// Last, so every top-level constant above is initialised before a worker or main uses it.
if (!isMainThread) {
  parentPort.on('message', ({ cell, runs }) => parentPort.postMessage(runCell(cell, runs)));
} else {
  await main();
}
