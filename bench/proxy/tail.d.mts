// Types for tail.mjs, so its pure summary can be unit-tested from TypeScript (test/unit/bench).
export interface PacedLoad { requests: number; majorFaults?: number; p50: number; p99: number; p999: number; errors: number; non2xx: number; late?: number; cpuMsPer10k?: number | null }
export interface TailPair { direct: PacedLoad; proxy: PacedLoad; addedP50: number | null; addedP99: number | null; addedP999: number | null; invalid?: true }
export type TailRound = Record<string, TailPair>;
export interface TailRoundSummary {
  round: number;
  loadAverage: number | null;
  directP99: number | null;
  vsHttpProxy: number | null;
  vsNginx: number | null;
  notWorseThanHttpProxy: boolean | null;
  withinOneMs: boolean | null;
  late: number;
  majorFaults: number | null;
  invalid: string[];
}
export interface TailSummary {
  perRound: TailRoundSummary[];
  targets: Record<string, { addedP50: number | null; addedP99: number | null; addedP999: number | null; p99: number | null; directP99: number | null; cpuMsPer10k: number | null; errors: number }>;
  vsHttpProxy: number | null;
  vsNginx: number | null;
  roundsNotWorseThanHttpProxy: number;
  roundsJudgedAgainstHttpProxy: number;
  roundsJudgedForOneMs: number;
  roundsWithinOneMs: number;
}
export function pairOf(direct: PacedLoad, proxy: PacedLoad, expected: number): TailPair;
export function summariseTail(rounds: TailRound[], proxies: string[], loadAverages?: number[]): TailSummary;
export function tailMarkdown(result: { config: { rounds: number; seconds: number; rate: number; connections: number }; rounds: TailRound[]; summary: TailSummary }): string;
export function tailRounds(opts: unknown): Promise<{ rounds: TailRound[]; loadAverages: number[]; summary: TailSummary }>;
