// Loaded into a proxy under diagnosis with `node --import ./probe.mjs`: what runs on its event
// loop while it serves a paced load. Never loaded by `npm run bench`'s measured runs.
// SIGUSR2 once starts the window (counters reset); SIGUSR2 again writes the window as JSON to
// $PROBE_OUT. With PROBE_ASYNC=1 it also counts async resources created by type (Timeout,
// Immediate, TickObject, …); that hook slows the process, so it is a separate run.
import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

// A 1 ms sampling timer: stalls well under 10 ms (the default) are what the tail is made of.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
let gc = { count: 0, totalMs: 0, maxMs: 0, over05: 0, over1: 0, over2: 0, byKind: {} };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.totalMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
    if (e.duration > 0.5) gc.over05++;
    if (e.duration > 1) gc.over1++;
    if (e.duration > 2) gc.over2++;
    const kind = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weakcb' }[e.detail?.kind] ?? String(e.detail?.kind);
    gc.byKind[kind] = (gc.byKind[kind] ?? 0) + 1;
  }
}).observe({ entryTypes: ['gc'] });

const types = {};
if (process.env.PROBE_ASYNC === '1') {
  createHook({ init(_id, type) { if (type !== 'PROMISE') types[type] = (types[type] ?? 0) + 1; } }).enable();
}

let started = null;
process.on('SIGUSR2', () => {
  if (started === null) {
    loop.reset();
    gc = { count: 0, totalMs: 0, maxMs: 0, over05: 0, over1: 0, over2: 0, byKind: {} };
    for (const k of Object.keys(types)) delete types[k];
    started = { at: performance.now(), cpu: process.cpuUsage() };
    return;
  }
  const cpu = process.cpuUsage(started.cpu);
  const ms = (v) => v / 1e6;
  const out = {
    seconds: (performance.now() - started.at) / 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
    loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), p999: ms(loop.percentile(99.9)), max: ms(loop.max), mean: ms(loop.mean) },
    gc,
    asyncResources: { ...types },
  };
  writeFileSync(process.env.PROBE_OUT, JSON.stringify(out));
  started = null;
});
