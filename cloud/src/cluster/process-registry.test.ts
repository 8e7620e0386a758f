/**
 * The registry of cloud processes and the dead-owner sweep's statements, on SQLite and PostgreSQL:
 * beats, purge of silent processes, and the live sessions and relay runs of a dead owner ended once
 * (interrupted / cloud_stopped), while a living owner's, an ownerless one and an ended one are kept.
 */
import { expect, it } from 'vitest';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { insertPlaces } from '../../../test-support/places.js';
import { newLiveSession, newRelayRun } from '../../../test-support/radio-rows.js';
import { LiveStore } from '../radio/live/live-store.js';
import { RelayRunStore } from '../radio/relays/relay-run-store.js';
import { ProcessRegistry } from './process-registry.js';

const proc = (id: string, startedAt = 1_000) => ({ id, host: 'cloud-1', pid: 4242, startedAt });
const session = (id: string, ownerProcess: string | null) => newLiveSession(id, { ownerProcess });
const run = (id: string) => newRelayRun(id, { sessionId: null });

async function seed(q: TestDatabase) {
  await insertPlaces(q, [{ code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: 'edg_ap-1' }] }]);
}

forEachDatabase('ProcessRegistry', (get) => {
  it('registers with the first beat, beats, and purges only the processes silent since before the limit', async () => {
    const registry = new ProcessRegistry(get());
    expect(await registry.beat(proc('proc_a'), 1_000)).toBe(false); // not there yet: inserted
    expect(await registry.beat(proc('proc_a'), 3_000)).toBe(true);
    expect(await registry.beat(proc('proc_b', 2_000), 2_000)).toBe(false);
    expect(await registry.alive(0)).toEqual([
      { id: 'proc_a', host: 'cloud-1', pid: 4242, startedAt: 1_000, beatAt: 3_000 },
      { id: 'proc_b', host: 'cloud-1', pid: 4242, startedAt: 2_000, beatAt: 2_000 },
    ]);
    expect((await registry.alive(2_500)).map((p) => p.id)).toEqual(['proc_a']);
    expect(await registry.purgeDead(2_500)).toEqual(['proc_b']);
    expect(await registry.purgeDead(2_500)).toEqual([]);
    // a process taken for dead comes back with its next beat
    expect(await registry.beat(proc('proc_b', 2_000), 9_000)).toBe(false);
    expect((await registry.alive(2_500)).map((p) => p.id)).toEqual(['proc_a', 'proc_b']);
    await registry.remove('proc_a');
    expect((await registry.alive(0)).map((p) => p.id)).toEqual(['proc_b']);
  });

  it("ends once, interrupted, the sessions on air in a process that stopped beating, freeing their places; a living owner's and ownerless ones stay", async () => {
    await seed(get());
    const registry = new ProcessRegistry(get());
    const live = new LiveStore(get());
    await registry.beat(proc('proc_dead'), 1_000);
    await registry.beat(proc('proc_live'), 1_000);
    await registry.beat(proc('proc_live'), 20_000);
    for (let i = 0; i < 6; i++) expect(await live.start(session(`lvs_d${i}`, 'proc_dead'), 8)).toBe(true);
    expect(await live.start(session('lvs_alive', 'proc_live'), 8)).toBe(true);
    expect(await live.start(session('lvs_sole', null), 8)).toBe(true);
    // an owner never registered (its row already purged) is dead too
    expect(await live.start(session('lvs_gone', 'proc_gone'), 8)).toBe(false); // the cap of 8 holds
    expect(await live.end('lvs_d5', { at: 5_000, reason: 'stopped', detail: null, by: null, bytes: 10, durationMs: 4_000 })).toBe(true);
    expect(await live.start(session('lvs_gone', 'proc_gone'), 8)).toBe(true);
    await live.progress('lvs_d0', 800, 2_000);

    const ended = await live.endDeadOwners(21_000, 11_000);
    expect(ended).toEqual([
      ...[0, 1, 2, 3, 4].map((i) => ({ id: `lvs_d${i}`, owner: 'proc_dead', source: 'voice', durationMs: i === 0 ? 2_000 : 0, detail: 'the cloud stopped during the session' })),
      { id: 'lvs_gone', owner: 'proc_gone', source: 'voice', durationMs: 0, detail: 'the cloud stopped during the session' },
    ]);
    expect(await live.get('lvs_d0')).toMatchObject({ status: 'ended', endedAt: 21_000, endReason: 'interrupted', endDetail: 'the cloud stopped during the session', bytes: 800, durationMs: 2_000 });
    expect(await live.get('lvs_d5')).toMatchObject({ endedAt: 5_000, endReason: 'stopped' }); // ended before: kept
    expect((await live.list({ status: 'on_air' })).map((s) => s.id).sort()).toEqual(['lvs_alive', 'lvs_sole']);
    // once: a second sweep (a new leader overlapping the old one's) ends nothing more
    expect(await live.endDeadOwners(22_000, 11_000)).toEqual([]);
    expect(await live.get('lvs_d0')).toMatchObject({ endedAt: 21_000 });
    // the places are free again
    for (let i = 0; i < 6; i++) expect(await live.start(session(`lvs_n${i}`, 'proc_live'), 8)).toBe(true);
    expect(await live.start(session('lvs_ninth', 'proc_live'), 8)).toBe(false);
  });

  it('closes once, cloud_stopped, the relay runs of a process that stopped beating', async () => {
    await seed(get());
    const registry = new ProcessRegistry(get());
    const runs = new RelayRunStore(get());
    await registry.beat(proc('proc_dead'), 1_000);
    await registry.beat(proc('proc_live'), 20_000);
    await runs.insert(run('rly_dead'), 'proc_dead');
    await runs.insert(run('rly_alive'), 'proc_live');
    await runs.insert(run('rly_sole'));
    await runs.progress('rly_dead', { playedMs: 3_000, silenceMs: 0, bytes: 24_000, reconnects: 0, lastError: null });

    expect(await runs.closeDeadOwners(21_000, 11_000)).toEqual([{ id: 'rly_dead', owner: 'proc_dead' }]);
    expect(await runs.get('rly_dead')).toMatchObject({ endedAt: 21_000, endReason: 'cloud_stopped', playedMs: 3_000 });
    expect(await runs.get('rly_alive')).toMatchObject({ endedAt: null });
    expect(await runs.get('rly_sole')).toMatchObject({ endedAt: null });
    expect(await runs.closeDeadOwners(22_000, 11_000)).toEqual([]);
    // its owner's row purged afterwards: the run stays closed as it was
    expect(await registry.purgeDead(11_000)).toEqual(['proc_dead']);
    expect(await runs.get('rly_dead')).toMatchObject({ endedAt: 21_000 });
  });
});
