import { describe, expect, it } from 'vitest';
import { pairOf, summariseTail, tailMarkdown, type PacedLoad, type TailRound } from '../../../bench/proxy/tail.mjs';

const load = (p50: number, p99: number, late = 0, requests = 1000): PacedLoad => ({ requests, p50, p99, p999: p99 * 2, errors: 0, non2xx: 0, late });
const pair = (direct: PacedLoad, proxy: PacedLoad) => pairOf(direct, proxy, 1000);

/** One round in which each proxy's added p99 is the given figure over a 0.4 ms direct p99. */
function round(added: Record<string, number>): TailRound {
  return Object.fromEntries(Object.entries(added).map(([name, a]) => [name, pair(load(0.1, 0.4), load(0.2, 0.4 + a))]));
}

describe('the added-tail summary of npm run bench', () => {
  it('judges cutover against node-http-proxy and nginx within each round, not on medians', () => {
    const rounds = [
      round({ cutover: 0.6, 'http-proxy': 0.8, nginx: 0.3 }),
      round({ cutover: 1.5, 'http-proxy': 1.0, nginx: 0.4 }),
      round({ cutover: 3.0, 'http-proxy': 4.0, nginx: 2.0 }),
    ];
    const s = summariseTail(rounds, ['cutover', 'http-proxy', 'nginx']);
    expect(s.perRound.map((p) => p.notWorseThanHttpProxy)).toEqual([true, false, true]);
    expect(s.roundsNotWorseThanHttpProxy).toBe(2);
    // The 1 ms target is judged only where nginx added at most 0.5 ms (rounds 1 and 2).
    expect(s.perRound.map((p) => p.withinOneMs)).toEqual([true, false, null]);
    expect([s.roundsWithinOneMs, s.roundsJudgedForOneMs]).toEqual([1, 2]);
    expect(s.perRound[0]!.vsHttpProxy).toBeCloseTo(0.75, 10);
    expect(s.perRound[1]!.vsNginx).toBeCloseTo(3.75, 10);
    expect(s.vsHttpProxy).toBeCloseTo(0.75, 10);
    expect(s.targets.cutover!.addedP99).toBeCloseTo(1.5, 10);
  });

  it('leaves out a ratio whose peer added nothing, instead of showing it negative', () => {
    const s = summariseTail([round({ cutover: 0.5, 'http-proxy': -0.1, nginx: -0.2 })], ['cutover', 'http-proxy', 'nginx']);
    expect(s.perRound[0]!.vsHttpProxy).toBeNull();
    expect(s.perRound[0]!.vsNginx).toBeNull();
    expect(s.vsHttpProxy).toBeNull();
    // The comparison itself still stands: cutover added more than a peer that added nothing.
    expect(s.perRound[0]!.notWorseThanHttpProxy).toBe(false);
    // A round where nginx "added" nothing is not a quiet round for the 1 ms target: it is noise.
    expect(s.perRound[0]!.withinOneMs).toBeNull();
    const noisyDirect = summariseTail([{ cutover: pair(load(0.1, 0.4), load(0.2, 0.9)), nginx: pair(load(0.1, 3), load(0.2, 3.2)) }], ['cutover', 'nginx']);
    expect(noisyDirect.perRound[0]!.withinOneMs).toBeNull();
    // Nor a ratio of cutover's own negative figure (its direct leg was the slower one).
    const t = summariseTail([round({ cutover: -0.2, 'http-proxy': 0.8 })], ['cutover', 'http-proxy']);
    expect(t.perRound[0]).toMatchObject({ vsHttpProxy: null, notWorseThanHttpProxy: true });
  });

  it('counts late slots (every connection busy) so a run that went closed-loop shows', () => {
    const r: TailRound = { cutover: pair(load(0.1, 0.4, 2), load(0.2, 5, 30)) };
    const s = summariseTail([r], ['cutover'], [0.7]);
    expect(s.perRound[0]!.late).toBe(32);
    const md = tailMarkdown({ config: { rounds: 1, seconds: 1, rate: 2000, connections: 50 }, rounds: [r], summary: s });
    expect(md).toContain('| 1 | 0.7 | 0.400 | 0.100 / 4.600 | – | – | 32 | – |');
    expect(md).toContain('no round that quiet');
  });

  it('a load that was not answered (frozen process) has no added figures rather than a negative one', () => {
    // What broke: a proxy frozen for a whole 6 s load returned p99 0, printed as "added −3.8 ms".
    const frozen = pair(load(0.1, 3.8), load(0, 0, 0, 0));
    expect(frozen).toMatchObject({ invalid: true, addedP99: null, addedP50: null });
    const r: TailRound = { cutover: frozen, 'http-proxy': pair(load(0.1, 0.4), load(0.3, 1.4)) };
    const s = summariseTail([r], ['cutover', 'http-proxy']);
    expect(s.perRound[0]).toMatchObject({ notWorseThanHttpProxy: null, vsHttpProxy: null, invalid: ['cutover'] });
    expect(s.roundsJudgedAgainstHttpProxy).toBe(0);
    expect(s.targets.cutover!.addedP99).toBeNull();
    const md = tailMarkdown({ config: { rounds: 1, seconds: 1, rate: 1000, connections: 50 }, rounds: [r], summary: s });
    expect(md).toContain('invalid: 1000 direct / 0 proxied requests');
  });
});
