import { expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { insertPlaces } from '../../../../test-support/places.js';
import { secondConnection } from '../../../../test-support/second-connection.js';
import type { QueryDatabase } from '../../db/query/index.js';
import { DomainEventBus } from '../../events/event-bus.js';
import { createCloudMetrics } from '../../metrics.js';
import { SpeakerAlarms } from './speaker-alarms.js';
import { SpeakerHistory, type ZoneState } from './speaker-history.js';

const DAY = 86_400_000;

/** Two communes, a box in each of three hamlets (e-rev revoked). */
async function province(q: QueryDatabase) {
  await insertPlaces(q, [
    { code: 'vi-tan', name: 'Xã Vị Tân', hamlets: [{ code: 'ap-1', name: 'Ấp 1', edge: 'e1' }, { code: 'ap-2', name: 'Ấp 2', edge: { id: 'e-rev', status: 'revoked' } }] },
    { code: 'hoa-luu', name: 'Xã Hỏa Lựu', hamlets: [{ code: 'hl-1', name: 'Thạnh Lợi', edge: 'e2' }] },
  ]);
}

/** The box's config document with these loudspeaker zones. */
const configure = (q: QueryDatabase, edgeId: string, zones: string[]) =>
  q.db
    .insertInto('documents')
    .values({ edge_id: edgeId, doc: 'config', version: 1, issued_at: 1, body: JSON.stringify({ telemetryIntervalS: 10, radio: { speakers: zones.map((zone) => ({ zone, driver: 'sim', target: '127.0.0.1:9', volume: 80 })) } }) })
    .onConflict((oc) => oc.columns(['edge_id', 'doc']).doUpdateSet((eb) => ({ body: eb.ref('excluded.body') })))
    .execute();

/** What Presence does on a zone's change: its state now and a history row. */
async function report(q: QueryDatabase, history: SpeakerHistory, edgeId: string, zone: string, state: ZoneState, at: number, reason: string | null = null) {
  await q.db
    .insertInto('speaker_state')
    .values({ edge_id: edgeId, zone, state, changed_at: at, reason })
    .onConflict((oc) => oc.columns(['edge_id', 'zone']).doUpdateSet((eb) => ({ state: eb.ref('excluded.state'), changed_at: eb.ref('excluded.changed_at'), reason: eb.ref('excluded.reason') })))
    .execute();
  await history.record({ edgeId, zone, state, reason, at });
}

function alarmsOn(q: QueryDatabase, clock: { now: number }, history = new SpeakerHistory(q, 31)) {
  const metrics = createCloudMetrics();
  const bus = new DomainEventBus({ logger: silentLogger(), handlerErrors: metrics.domainEventErrors });
  const events: string[] = [];
  bus.subscribe('speaker.alarm.raised', (e) => void events.push(`raised:${e.edgeId}/${e.zone}:${e.state}:${e.downSince}`));
  bus.subscribe('speaker.alarm.cleared', (e) => void events.push(`cleared:${e.edgeId}/${e.zone}`));
  const alarms = new SpeakerAlarms({ q, bus, history, logger: silentLogger(), metrics, alarmAfterMs: 60_000, now: () => clock.now });
  return { alarms, events, metrics, history };
}

forEachDatabase('loudspeaker history', (get) => {
  it('records transitions and lists a box’s newest first, per zone and bounded', async () => {
    const q = get();
    await province(q);
    const history = new SpeakerHistory(q, 31);
    await history.record({ edgeId: 'e1', zone: 'cho', state: 'ok', reason: null, at: 1000 });
    await history.record({ edgeId: 'e1', zone: 'truong', state: 'offline', reason: 'timeout', at: 2000 });
    await history.record({ edgeId: 'e1', zone: 'cho', state: 'muted', reason: 'amplifier', at: 3000 });
    await history.record({ edgeId: 'e2', zone: 'cho', state: 'offline', reason: null, at: 4000 });
    expect(await history.ofEdge('e1', { limit: 10 })).toEqual([
      { edgeId: 'e1', zone: 'cho', state: 'muted', reason: 'amplifier', at: 3000 },
      { edgeId: 'e1', zone: 'truong', state: 'offline', reason: 'timeout', at: 2000 },
      { edgeId: 'e1', zone: 'cho', state: 'ok', reason: null, at: 1000 },
    ]);
    expect((await history.ofEdge('e1', { zone: 'cho', limit: 1 })).map((t) => t.at)).toEqual([3000]);
    expect(await history.ofEdge('e9', { limit: 10 })).toEqual([]);
  });

  it('tells since when a zone is down: the first down after its last ok, null when it is up or never reported', async () => {
    const q = get();
    await province(q);
    const history = new SpeakerHistory(q, 31);
    const add = (state: ZoneState, at: number) => history.record({ edgeId: 'e1', zone: 'cho', state, reason: null, at });
    expect(await history.downSince('e1', 'cho')).toBeNull();
    await add('offline', 100);
    expect(await history.downSince('e1', 'cho')).toBe(100); // down since its first report
    await add('ok', 200);
    expect(await history.downSince('e1', 'cho')).toBeNull();
    await add('offline', 300);
    await add('muted', 400); // offline → muted: still the same outage
    expect(await history.downSince('e1', 'cho')).toBe(300);
    expect(await history.downSince('e1', 'truong')).toBeNull();
  });

  it('prunes what is older than the retention but keeps each zone’s state at the cut', async () => {
    const q = get();
    await province(q);
    const history = new SpeakerHistory(q, 31);
    const now = 100 * DAY;
    const add = (zone: string, state: ZoneState, daysAgo: number) => history.record({ edgeId: 'e1', zone, state, reason: null, at: now - daysAgo * DAY });
    await add('cho', 'ok', 60);
    await add('cho', 'offline', 50);
    await add('cho', 'ok', 40); // the state at the cut: kept
    await add('cho', 'offline', 10);
    await add('truong', 'ok', 90); // its only row: kept
    expect(await history.prune(now)).toBe(2);
    expect(await history.prune(now)).toBe(0);
    const left = await q.db.selectFrom('speaker_history').select(['zone', 'state', 'at']).orderBy('zone').orderBy('at').execute();
    expect(left.map((r) => `${r.zone}:${r.state}:${(now - r.at) / DAY}`)).toEqual(['cho:ok:40', 'cho:offline:10', 'truong:ok:90']);
  });

  it('sums each hamlet’s uptime over a period from the state at its start and the changes inside', async () => {
    const q = get();
    await province(q);
    const history = new SpeakerHistory(q, 31);
    const add = (edgeId: string, zone: string, state: ZoneState, at: number) => history.record({ edgeId, zone, state, reason: null, at });
    await add('e1', 'cho', 'ok', 500); // before the period: the state at its start
    await add('e1', 'cho', 'offline', 1500);
    await add('e1', 'cho', 'ok', 1750);
    await add('e1', 'truong', 'ok', 1800); // known only from 1800
    await add('e2', 'cho', 'muted', 100);
    await add('e2', 'cho', 'ok', 2500); // after the period: not counted
    const uptime = await history.uptimeByHamlet(1000, 2000, 10_000);
    expect(uptime.get('ap-1')).toEqual({ hamletCode: 'ap-1', zones: 2, knownMs: 1000 + 200, upMs: 750 + 200, ratio: 950 / 1200 });
    expect(uptime.get('hl-1')).toEqual({ hamletCode: 'hl-1', zones: 1, knownMs: 1000, upMs: 0, ratio: 0 });
    // a period cut at now counts only up to now
    expect((await history.uptimeByHamlet(1000, 2000, 1500)).get('ap-1')).toMatchObject({ zones: 1, knownMs: 500, upMs: 500 });
  });
});

forEachDatabase('loudspeaker zone alarms', (get) => {
  it('raises a configured zone of an active box once it has been down the set time, with its commune; clears it when back', async () => {
    const q = get();
    await province(q);
    await configure(q, 'e1', ['cho', 'truong']);
    await configure(q, 'e-rev', ['cho']);
    await configure(q, 'e2', ['cho']);
    const clock = { now: 1_000_000 };
    const { alarms, events, metrics, history } = alarmsOn(q, clock);
    await report(q, history, 'e1', 'cho', 'offline', clock.now - 30_000, 'timeout');
    await report(q, history, 'e1', 'cu', 'offline', clock.now - 90_000); // no longer configured: nobody's alarm
    await report(q, history, 'e-rev', 'cho', 'offline', clock.now - 90_000); // a revoked box: none
    await report(q, history, 'e2', 'cho', 'ok', clock.now - 90_000);
    expect(await alarms.sweep()).toEqual({ raised: 0, cleared: 0 });

    clock.now += 31_000;
    await report(q, history, 'e1', 'cho', 'muted', clock.now - 1000, 'amplifier mute'); // still the same outage
    expect(await alarms.sweep()).toEqual({ raised: 1, cleared: 0 });
    expect(await alarms.sweep()).toEqual({ raised: 0, cleared: 0 }); // once
    expect(events).toEqual([`raised:e1/cho:muted:${1_000_000 - 30_000}`]);
    const [alarm, ...rest] = await alarms.active();
    expect(rest).toEqual([]);
    expect(alarm).toEqual({ edgeId: 'e1', edgeName: 'Tủ ap-1', hamletCode: 'ap-1', hamletName: 'Ấp 1', zone: 'cho', state: 'muted', reason: 'amplifier mute', downSince: 970_000, raisedAt: 1_031_000 });
    expect(await q.db.selectFrom('speaker_alarms').select('commune_code').execute()).toEqual([{ commune_code: 'vi-tan' }]);
    expect(await alarms.active({ communeCode: 'vi-tan' })).toHaveLength(1);
    expect(await alarms.active({ communeCode: 'hoa-luu' })).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('sc_speaker_alarms')).toContain('sc_speaker_alarms 1');

    clock.now += 5000;
    await report(q, history, 'e1', 'cho', 'ok', clock.now);
    expect(await alarms.sweep()).toEqual({ raised: 0, cleared: 1 });
    expect(events.at(-1)).toBe('cleared:e1/cho');
    expect(await alarms.active()).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('sc_speaker_alarms')).toContain('sc_speaker_alarms 0');
  });

  it('clears an alarm whose zone leaves the configuration or whose box is revoked', async () => {
    const q = get();
    await province(q);
    await configure(q, 'e1', ['cho']);
    await configure(q, 'e2', ['cho']);
    const clock = { now: 1_000_000 };
    const { alarms, events, history } = alarmsOn(q, clock);
    await report(q, history, 'e1', 'cho', 'offline', clock.now - 90_000);
    await report(q, history, 'e2', 'cho', 'offline', clock.now - 90_000);
    expect(await alarms.sweep()).toEqual({ raised: 2, cleared: 0 });
    await configure(q, 'e1', ['truong']);
    await q.db.updateTable('edges').set({ status: 'revoked' }).where('id', '=', 'e2').execute();
    expect(await alarms.sweep()).toEqual({ raised: 0, cleared: 2 });
    expect(events.filter((e) => e.startsWith('cleared')).sort()).toEqual(['cleared:e1/cho', 'cleared:e2/cho']);
  });

  it('two processes sweeping at once raise one alarm and clear it once', async () => {
    const q = get();
    await province(q);
    await configure(q, 'e1', ['cho', 'truong']);
    const other = secondConnection(q);
    try {
      const clock = { now: 1_000_000 };
      const a = alarmsOn(q, clock);
      const b = alarmsOn(other, clock);
      await report(q, a.history, 'e1', 'cho', 'offline', clock.now - 90_000);
      await report(q, a.history, 'e1', 'truong', 'muted', clock.now - 90_000);
      const sweeps = await Promise.all([a.alarms.sweep(), b.alarms.sweep(), a.alarms.sweep(), b.alarms.sweep()]);
      expect(sweeps.reduce((n, s) => n + s.raised, 0)).toBe(2);
      expect([...a.events, ...b.events].sort()).toEqual(['raised:e1/cho:offline:910000', 'raised:e1/truong:muted:910000']);
      expect(await q.db.selectFrom('speaker_alarms').select('zone').orderBy('zone').execute()).toEqual([{ zone: 'cho' }, { zone: 'truong' }]);

      clock.now += 1000;
      await report(q, a.history, 'e1', 'cho', 'ok', clock.now);
      await report(q, a.history, 'e1', 'truong', 'ok', clock.now);
      const clears = await Promise.all([a.alarms.sweep(), b.alarms.sweep(), a.alarms.sweep(), b.alarms.sweep()]);
      expect(clears.reduce((n, s) => n + s.cleared, 0)).toBe(2);
      expect([...a.events, ...b.events].filter((e) => e.startsWith('cleared')).sort()).toEqual(['cleared:e1/cho', 'cleared:e1/truong']);
    } finally {
      await other.close();
    }
  });
});
