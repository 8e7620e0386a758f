import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { Cooldowns } from './cooldowns.js';
import { addPerson, seedTwoCommunes } from './testing/query-seed.js';

const WINDOW = 60_000;

forEachDatabase('push cooldowns', (get) => {
  const setup = async () => {
    await seedTwoCommunes(get());
    await addPerson(get(), 'usr_t', 'technician', 'vi-tan');
    return new Cooldowns(get());
  };

  it('a pair: offline told, online told to whom offline was; flaps inside the window held for the summary, which says where it stands', async () => {
    const c = await setup();
    const pair = (state: 'offline' | 'online', at: number) => c.pair('usr_t', 'device', 'edge:edge_A', state, at, WINDOW);
    expect(await pair('online', 1000)).toEqual({ send: false }); // back online without an offline told: nothing
    expect(await pair('offline', 1000)).toEqual({ send: true });
    expect(await pair('offline', 1500)).toEqual({ send: false }); // a duplicate
    expect(await pair('online', 2000)).toEqual({ send: true }); // completes the pair
    expect(await pair('online', 2100)).toEqual({ send: false });
    expect(await pair('offline', 3000)).toEqual({ send: false, summaryAt: 1000 + WINDOW });
    expect(await pair('online', 4000)).toEqual({ send: false, summaryAt: 1000 + WINDOW });
    expect(await pair('offline', 5000)).toEqual({ send: false, summaryAt: 1000 + WINDOW });
    expect(await c.close('usr_t', 'device', 'edge:edge_A', 1000 + WINDOW)).toEqual({ windowStart: 1000, suppressed: 3, currentState: 'offline', notifiedState: 'online' });
    // the summary told it is offline: its coming back is the pair's second half
    expect(await pair('online', 1000 + WINDOW + 10)).toEqual({ send: true });
    // nothing held back since: nothing to summarise
    expect(await c.close('usr_t', 'device', 'edge:edge_A', 1000 + 2 * WINDOW)).toBeNull();
    // a window long over: offline opens a new one and is told
    expect(await pair('offline', 1000 + 3 * WINDOW)).toEqual({ send: true });
  });

  it('a flap back online after the window ended is counted without a summary time', async () => {
    const c = await setup();
    const pair = (state: 'offline' | 'online', at: number) => c.pair('usr_t', 'device', 'camera:edge_A/cam-1', state, at, WINDOW);
    expect(await pair('offline', 0)).toEqual({ send: true });
    expect(await pair('online', 10)).toEqual({ send: true });
    expect(await pair('offline', 20)).toEqual({ send: false, summaryAt: WINDOW });
    expect(await pair('online', WINDOW + 5)).toEqual({ send: false });
    expect(await c.close('usr_t', 'device', 'camera:edge_A/cam-1', WINDOW + 6)).toMatchObject({ suppressed: 2, currentState: 'online' });
  });

  it('single: one per window, the rest counted; a zero window sends everything; each person and subject apart', async () => {
    const c = await setup();
    await addPerson(get(), 'usr_p', 'police', 'vi-tan');
    expect(await c.single('usr_t', 'incident', 'camera:edge_A/cam-1', 0, 0)).toEqual({ send: true });
    expect(await c.single('usr_t', 'incident', 'camera:edge_A/cam-1', 100, WINDOW)).toEqual({ send: true });
    expect(await c.single('usr_t', 'incident', 'camera:edge_A/cam-1', 200, WINDOW)).toEqual({ send: false, summaryAt: 100 + WINDOW });
    expect(await c.single('usr_p', 'incident', 'camera:edge_A/cam-1', 200, WINDOW)).toEqual({ send: true });
    expect(await c.single('usr_t', 'incident', 'camera:edge_B/cam-9', 200, WINDOW)).toEqual({ send: true });
    expect(await c.single('usr_t', 'incident', 'camera:edge_A/cam-1', 100 + WINDOW, WINDOW)).toEqual({ send: true });
  });

  it('at once (a PostgreSQL pool runs them in parallel): one offline and one single is told, every other call is counted once, one close gets the summary', async () => {
    const c = await setup();
    const offline = await Promise.all(Array.from({ length: 12 }, (_, i) => c.pair('usr_t', 'device', 'edge:edge_A', 'offline', 1000 + i, WINDOW)));
    expect(offline.filter((d) => d.send)).toHaveLength(1);
    expect(offline.filter((d) => !d.send && 'summaryAt' in d)).toHaveLength(0); // already offline: duplicates
    const singles = await Promise.all(Array.from({ length: 12 }, () => c.single('usr_t', 'incident', 'camera:edge_A/cam-1', 5000, WINDOW)));
    expect(singles.filter((d) => d.send)).toHaveLength(1);
    expect(singles.filter((d) => !d.send && 'summaryAt' in d)).toHaveLength(11);
    const closes = await Promise.all(Array.from({ length: 6 }, () => c.close('usr_t', 'incident', 'camera:edge_A/cam-1', 5000 + WINDOW)));
    const summaries = closes.filter((s) => s !== null);
    expect(summaries).toEqual([{ windowStart: 5000, suppressed: 11, currentState: null, notifiedState: null }]);
  });
});
