import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { openEdgeDatabase } from '../db/database.js';
import { StateStore } from '../db/state.js';
import { bestSample, clockEveryMs, ClockSync } from './clock-sync.js';

/** A cloud clock 250 ms ahead of ours that answers after `delays` ms in turn (the request's way). */
let server: Server;
let url: string;
let delays: number[] = [];
/** How far the cloud's clock is ahead of ours (a test may set it, as an administrator would). */
let ahead = 250;
beforeAll(async () => {
  server = createServer((_req, res) => {
    const delay = delays.shift() ?? 0;
    setTimeout(() => {
      const receivedAt = Date.now() + ahead; // the request waited on its way in: the cloud saw it late
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ receivedAt, sentAt: receivedAt }));
    }, delay);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('ClockSync', () => {
  it('trusts the quietest exchange of its window: one-sided delays do not bend the estimate', async () => {
    delays = [80, 0, 120, 60];
    const clock = new ClockSync(url, new StateStore(openEdgeDatabase(mkdtempSync(`${tmpdir()}/sc-clock-`))), silentLogger(), Date.now, { burst: 0 });
    for (let i = 0; i < 4; i++) await clock.sample();
    const reading = clock.current()!;
    expect(reading.samples).toBe(4);
    expect(reading.roundTripMs).toBeLessThan(20);
    expect(Math.abs(reading.offsetMs - 250)).toBeLessThan(10);
    expect(Math.abs(clock.cloudNow() - (Date.now() + 250))).toBeLessThan(10);
  });

  it('is not moved by one exchange that contradicts its window, and starts again when several in a row do (a clock was set)', async () => {
    delays = [];
    ahead = 250;
    const clock = new ClockSync(url, new StateStore(openEdgeDatabase(mkdtempSync(`${tmpdir()}/sc-clock-`))), silentLogger(), Date.now, { burst: 0 });
    try {
      for (let i = 0; i < 5; i++) await clock.sample();
      expect(Math.abs(clock.current()!.offsetMs - 250)).toBeLessThan(10);
      ahead = 750; // the cloud's clock is set half a second forward
      await clock.sample();
      await clock.sample();
      expect(Math.abs(clock.current()!.offsetMs - 250)).toBeLessThan(10);
      await clock.sample();
      expect(Math.abs(clock.current()!.offsetMs - 750)).toBeLessThan(10);
      expect(clock.current()!.samples).toBe(3);
    } finally {
      ahead = 250;
    }
  });

  it('lets an old quiet exchange give way to a newer one once drift may have outgrown its advantage', () => {
    const quietOld = { t0: 0, t1: 1, t2: 1, t3: 2, takenAt: 0 }; // 2 ms round trip
    const busyAt = (t: number) => ({ t0: t, t1: t + 5, t2: t + 5, t3: t + 10, takenAt: t }); // 10 ms round trip, just now
    expect(bestSample([quietOld, busyAt(60_000)], 60_000, 50)).toBe(quietOld); // 1 ms + 60 s × 50 ppm = 4 ms < 5 ms
    const later = busyAt(600_000);
    expect(bestSample([quietOld, later], 600_000, 50)).toBe(later); // 1 ms + 30 ms of possible drift > 5 ms
  });

  it('reads SC_EDGE_CLOCK_EVERY_S, refusing what is not a sane number of seconds', () => {
    expect(clockEveryMs(undefined)).toBe(2000);
    expect(clockEveryMs('15')).toBe(15_000);
    for (const bad of ['', 'abc', '0', '-1', '901']) expect(() => clockEveryMs(bad), bad).toThrow(/SC_EDGE_CLOCK_EVERY_S must be a number of seconds from 0.5 to 900/);
  });
});
