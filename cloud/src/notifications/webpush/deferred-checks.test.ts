import { silentLogger } from '@smart-commune/shared/runtime';
import { afterEach, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { DeferredChecks } from './deferred-checks.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

forEachDatabase('deferred push checks', (get) => {
  const started: DeferredChecks[] = [];
  afterEach(async () => {
    for (const checks of started.splice(0)) await checks.stop();
  });
  const checks = () => {
    const c = new DeferredChecks(get(), silentLogger());
    started.push(c);
    return c;
  };

  it('a key is stored once (the first delay holds); cancel says whether one was pending; keys by prefix are taken literally', async () => {
    const c = checks();
    expect(await c.schedule('offline:edge:edge_A', Date.now() + 60_000, { n: 1 })).toBe(true);
    expect(await c.schedule('offline:edge:edge_A', Date.now() + 1, { n: 2 })).toBe(false);
    expect(await c.payload('offline:edge:edge_A')).toEqual({ n: 1 });
    await c.schedule('alert:al_1:1', Date.now() + 60_000, { waiting: ['ap-1'] });
    await c.schedule('alert:al_1:2', Date.now() + 60_000, { waiting: ['ap-2'] });
    await c.schedule('alert:al_10:1', Date.now() + 60_000, {});
    await c.schedule('alert:al%1:1', Date.now() + 60_000, {});
    expect((await c.keys('alert:al_1:')).sort()).toEqual(['alert:al_1:1', 'alert:al_1:2']);
    expect(await c.keys('alert:al%')).toEqual(['alert:al%1:1']);
    await c.cancelPrefix('alert:al_1:');
    expect((await c.keys('alert:')).sort()).toEqual(['alert:al%1:1', 'alert:al_10:1']);
    expect(await c.cancel('offline:edge:edge_A')).toBe(true);
    expect(await c.cancel('offline:edge:edge_A')).toBe(false);
  });

  it('a payload changes or is cancelled only if it is still what was read', async () => {
    const c = checks();
    await c.schedule('alert:al_1:1', Date.now() + 60_000, { waiting: ['ap-1', 'ap-2'] });
    expect(await c.update('alert:al_1:1', { waiting: ['ap-1'] }, { waiting: [] })).toBe(false);
    expect(await c.update('alert:al_1:1', { waiting: ['ap-1', 'ap-2'] }, { waiting: ['ap-2'] })).toBe(true);
    expect(await c.cancelIf('alert:al_1:1', { waiting: ['ap-1', 'ap-2'] })).toBe(false);
    expect(await c.cancelIf('alert:al_1:1', { waiting: ['ap-2'] })).toBe(true);
    expect(await c.payload('alert:al_1:1')).toBeNull();
  });

  it('two processes armed for the same stored check: it runs once; one stored before a start runs when due', async () => {
    const runs: string[] = [];
    const first = checks();
    const second = checks();
    await first.schedule('before-start', Date.now() + 50, { who: 'stored' });
    await first.start(async (key) => void runs.push(`first:${key}`));
    await second.start(async (key) => void runs.push(`second:${key}`));
    // both armed it from the table (start), and both arm the next one: each is taken by one DELETE
    await first.schedule('shared', Date.now() + 80, {});
    await second.start(async (key) => void runs.push(`second:${key}`));
    await sleep(400);
    expect(runs.filter((r) => r.endsWith(':before-start'))).toHaveLength(1);
    expect(runs.filter((r) => r.endsWith(':shared'))).toHaveLength(1);
    expect(await first.keys('')).toEqual([]);
  });

  it('a cancelled check does not run', async () => {
    const runs: string[] = [];
    const c = checks();
    await c.start(async (key) => void runs.push(key));
    await c.schedule('offline:camera:edge_A/cam-1', Date.now() + 80, {});
    await c.cancel('offline:camera:edge_A/cam-1');
    await sleep(250);
    expect(runs).toEqual([]);
  });
});
