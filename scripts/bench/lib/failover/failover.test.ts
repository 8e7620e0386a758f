/**
 * The failover benchmark's short version (issue 11): the same harness and scenario as
 * scripts/bench/failover — two sc-cloud processes (the built bin) behind HAProxy on PostgreSQL,
 * Mosquitto and S3 — with six simulated boxes, one real edge daemon that plays the alerts, and two kills: cloud1 SIGKILLed 4 s into the traffic, restarted at
 * 10 s, then Mosquitto SIGKILLed at 13 s and restarted at 15 s. The invariants are the benchmark's checks.
 */
import { describe, expect, it } from 'vitest';
import { runFailover, type FailoverResult } from './run.js';

const MUST_PASS = [
  'events stored equal events sent',
  'no event stored twice',
  'HTTP errors through HAProxy ≤ 1 %',
  'longest gap without a successful HTTP answer ≤ 3 s',
  "each box's retained desired version equals the database's",
  "the real boxes' applied versions only go up",
  'no box marked offline because a cloud process died',
  'every box back online after the broker restart',
  'a revocation made through the other process disconnects the box within 2 s',
  'every alert has exactly one proof-of-play row per hamlet',
  'clip uploaded through one process reads back byte-identical through the other',
];

describe('several cloud processes behind HAProxy survive kill -9 of one', () => {
  let result: FailoverResult;

  it('runs the scenario: 6 simulated boxes and a real one, cloud1 killed at 4 s and restarted at 10 s, the broker killed at 13 s', async () => {
    result = await runFailover({ boxes: 6, real: 1, timeline: { killCloudAt: 4, restartCloudAt: 10, killBrokerAt: 13, restartBrokerAt: 15, endAt: 24 }, changeEveryMs: 3000 });
    const names = result.checks.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(MUST_PASS));
    // the events were really sent and the HTTP really measured: the checks are not vacuous
    expect(result.figures.events_sent).toBeGreaterThan(6 * 6);
    expect(result.figures.http_requests).toBeGreaterThan(100);
    expect(result.figures.alerts).toBeGreaterThan(0);
  }, 300_000);

  it.each(MUST_PASS)('%s', (name) => {
    const check = result.checks.find((c) => c.name === name)!;
    expect(check.ok, check.detail).toBe(true);
  });
});
