import { DEFAULT_DEMO_DURATION_S, DEFAULT_DEMO_RATE } from '../demo/config.js';
import { MAX_DEMO_REPLICAS } from '../demo/fleet.js';
import { runDemo } from '../demo/session.js';
import { EXIT_OK, EXIT_USER_ERROR } from './exit-codes.js';

/** 128 + SIGINT, what shells report for a program stopped by Ctrl-C. */
const EXIT_INTERRUPTED = 130;
const MAX_DURATION_S = 3_600;
const MAX_RATE = 5_000;

export interface DemoArgs { badCanary: boolean; duration: number; rate: number; fleet?: number; redis?: string }

/**
 * `cutover demo [--bad-canary] [--duration S] [--rate N]`. The first Ctrl-C stops the demo
 * cleanly (upstreams, proxy, load, temp dir) and prints the summary; a second one exits at once.
 */
export async function runDemoCommand(args: DemoArgs): Promise<number> {
  if (!(args.duration >= 5 && args.duration <= MAX_DURATION_S)) {
    process.stderr.write(`--duration ${args.duration}: give the time limit in seconds, between 5 and ${MAX_DURATION_S}\n`);
    return EXIT_USER_ERROR;
  }
  if (!(args.rate >= 10 && args.rate <= MAX_RATE)) {
    process.stderr.write(`--rate ${args.rate}: give the synthetic load in requests per second, between 10 and ${MAX_RATE}\n`);
    return EXIT_USER_ERROR;
  }
  if (args.fleet !== undefined && !(Number.isInteger(args.fleet) && args.fleet >= 2 && args.fleet <= MAX_DEMO_REPLICAS)) {
    process.stderr.write(`--fleet ${args.fleet}: give the number of replicas, a whole number from 2 to ${MAX_DEMO_REPLICAS}\n`);
    return EXIT_USER_ERROR;
  }
  if (args.redis !== undefined && args.fleet === undefined) {
    process.stderr.write('--redis only applies with --fleet N\n');
    return EXIT_USER_ERROR;
  }
  const interrupt = new AbortController();
  const onSignal = (): void => {
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const fleet = args.fleet !== undefined ? { replicas: args.fleet, redisUrl: args.redis } : undefined;
    const result = await runDemo({ badCanary: args.badCanary, durationS: args.duration, rate: args.rate, out: process.stdout, signal: interrupt.signal, fleet });
    process.stdout.write(`\n${result.summary}\n`);
    return result.end === 'interrupted' ? EXIT_INTERRUPTED : EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export const demoDefaults = { duration: DEFAULT_DEMO_DURATION_S, rate: DEFAULT_DEMO_RATE };
