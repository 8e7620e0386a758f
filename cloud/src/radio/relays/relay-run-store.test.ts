import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { insertPlaces } from '../../../../test-support/places.js';
import { newRelayRun as run } from '../../../../test-support/radio-rows.js';
import { RelayRunStore, type RelayOutcome } from './relay-run-store.js';


const outcome = (over: Partial<RelayOutcome> = {}): RelayOutcome => ({
  endedAt: 9_000,
  endReason: 'ended',
  playedMs: 7_000,
  silenceMs: 1_000,
  bytes: 56_000,
  reconnects: 1,
  urls: [{ url: 'https://radio.example/vov1.mp3', role: 'primary', playedMs: 7_000 }],
  lastError: null,
  ...over,
});

forEachDatabase('RelayRunStore', (get) => {
  async function store() {
    await insertPlaces(get(), [
      { code: 'vi-tan', name: 'Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1' }] },
      { code: 'vi-thanh', name: 'Vị Thanh', hamlets: [{ code: 'vt-1', name: 'Ấp Một' }] },
    ]);
    return new RelayRunStore(get());
  }

  it('records a run, its progress and its end once', async () => {
    const runs = await store();
    const started = await runs.insert(run('rly_a', { endsAt: 9_000, scheduleId: null, startedBy: 'usr_1' }));
    expect(started).toEqual({
      id: 'rly_a', stationId: 'stn_vov1', stationName: 'VOV1', scheduleId: null, occurrenceId: null, sessionId: 'lvs_1', title: 'Tiếp sóng rly_a', priority: 'normal',
      targets: { hamlets: ['ap-1'] }, startedBy: 'usr_1', startedAt: 1_000, endsAt: 9_000, endedAt: null, endReason: null, playedMs: 0, silenceMs: 0, bytes: 0, reconnects: 0, urls: [],
      lastError: null, communeCode: 'vi-tan',
    });
    await runs.progress('rly_a', { playedMs: 3_000, silenceMs: 0, bytes: 24_000, reconnects: 0, lastError: 'a hiccup' });
    expect(await runs.get('rly_a')).toMatchObject({ playedMs: 3_000, bytes: 24_000, lastError: 'a hiccup', endedAt: null });
    expect(await runs.finish('rly_a', outcome())).toMatchObject({ endedAt: 9_000, endReason: 'ended', playedMs: 7_000, silenceMs: 1_000, reconnects: 1, urls: [{ url: 'https://radio.example/vov1.mp3', role: 'primary', playedMs: 7_000 }] });
    // ended once: a second end and a late progress save change nothing
    expect(await runs.finish('rly_a', outcome({ endedAt: 10_000, endReason: 'stopped', playedMs: 1 }))).toMatchObject({ endedAt: 9_000, endReason: 'ended', playedMs: 7_000 });
    await runs.progress('rly_a', { playedMs: 1, silenceMs: 1, bytes: 1, reconnects: 9, lastError: null });
    expect(await runs.get('rly_a')).toMatchObject({ playedMs: 7_000, bytes: 56_000, reconnects: 1 });
    await expect(runs.get('rly_none')).rejects.toThrow(/relay rly_none not found/);
  });

  it("lists newest first, a commune's own with the province's, and a scheduled window's runs in order", async () => {
    const runs = await store();
    await runs.insert(run('rly_tan', { startedAt: 1_000 }));
    await runs.insert(run('rly_prov', { startedAt: 2_000, communeCode: null }));
    await runs.insert(run('rly_thanh', { startedAt: 3_000, communeCode: 'vi-thanh' }));
    await runs.insert(run('rly_w2', { startedAt: 5_000, occurrenceId: 'sch_1@100', scheduleId: null }));
    await runs.insert(run('rly_w1', { startedAt: 4_000, occurrenceId: 'sch_1@100', scheduleId: null }));
    expect((await runs.recent(10)).map((r) => r.id)).toEqual(['rly_w2', 'rly_w1', 'rly_thanh', 'rly_prov', 'rly_tan']);
    expect((await runs.recent(2)).map((r) => r.id)).toEqual(['rly_w2', 'rly_w1']);
    expect((await runs.recent(10, 'vi-thanh')).map((r) => r.id)).toEqual(['rly_thanh', 'rly_prov']);
    expect((await runs.ofOccurrence('sch_1@100')).map((r) => r.id)).toEqual(['rly_w1', 'rly_w2']);
    expect(await runs.ofOccurrence('sch_none@1')).toEqual([]);
  });

  it('closes the runs a stopped cloud left open, in one statement, and only those', async () => {
    const runs = await store();
    await runs.insert(run('rly_open1'));
    await runs.insert(run('rly_open2'));
    await runs.insert(run('rly_done'));
    await runs.finish('rly_done', outcome());
    expect(await runs.closeOpen(20_000)).toBe(2);
    expect(await runs.closeOpen(21_000)).toBe(0);
    expect(await runs.get('rly_open1')).toMatchObject({ endedAt: 20_000, endReason: 'cloud_stopped' });
    expect(await runs.get('rly_done')).toMatchObject({ endedAt: 9_000, endReason: 'ended' });
  });
});
