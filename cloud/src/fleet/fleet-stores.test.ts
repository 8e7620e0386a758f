/**
 * The fleet's stores on the query layer, on SQLite and on a real PostgreSQL: boxes, their
 * credentials and contracts, desired documents (published through a real embedded broker) and
 * presence. Where several cloud processes could act at once, two stores over two connections to
 * the same database (a second SQLite handle on the file, a second PostgreSQL pool) race, and each
 * change must be made, and published, once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { topics, type ScheduleBody, type Telemetry } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { forEachDatabase } from '../../../test-support/databases.js';
import { secondConnection } from '../../../test-support/second-connection.js';
import { insertPlaces } from '../../../test-support/places.js';
import { testTelemetry } from '../../../test-support/telemetry.js';
import { FLOOD } from '../incidents/testing/review-item-kit.js';
import { type EmbeddedBroker } from '../broker/embedded.js';
import { startTestBroker } from '../broker/testing/test-broker.js';
import type { DomainEvents } from '../events/domain-events.js';
import { DomainEventBus } from '../events/event-bus.js';
import { createCloudMetrics } from '../metrics.js';
import { DeviceCredentials } from './device-credentials.js';
import { Documents } from './documents.js';
import { EdgeContracts } from './edge-contracts.js';
import { EdgeStore } from './edge-store.js';
import { Presence } from './presence.js';

const PLACES = [
  { code: 'xa-a', name: 'Xã A', hamlets: [{ code: 'a-1', name: 'Ấp A1', edge: 'edg_a1' }, { code: 'a-2', name: 'Ấp A2', edge: { id: 'edg_a2', status: 'unclaimed' as const } }] },
  { code: 'xa-b', name: 'Xã B', hamlets: [{ code: 'b-1', name: 'Ấp B1', edge: 'edg_b1' }] },
];

const plan = (n: number): ScheduleBody => ({ windowStart: 1_000, windowEnd: 2_000, items: [{ occurrenceId: `o${n}`, scheduleId: 's1', bulletinId: null, title: `Mục ${n}`, source: { kind: 'stream', url: 'http://radio.example/vov1' }, startAt: 1_500, durationMs: 60_000, priority: 'normal', volume: 80, zones: null }] });

/** Every event of these names published on the buses given, in order. */
function recordEvents<K extends keyof DomainEvents>(buses: DomainEventBus[], names: K[]) {
  const seen: { name: K; payload: DomainEvents[K] }[] = [];
  for (const bus of buses) for (const name of names) bus.subscribe(name, (payload) => void seen.push({ name, payload }), 'test');
  return seen;
}

const newBus = () => new DomainEventBus({ logger: silentLogger(), handlerErrors: createCloudMetrics().domainEventErrors });

let broker: EmbeddedBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.close();
});

forEachDatabase('the edge store', (get) => {
  it('creates a box with its edge_state, lists it by commune, hamlet, status and online, and changes only the fields given', async () => {
    await insertPlaces(get(), PLACES);
    const edges = new EdgeStore(get());
    const created = await edges.create({ name: 'Tủ mới', hamletCode: 'a-2', notes: 'cạnh chợ' });
    expect(created).toMatchObject({ name: 'Tủ mới', hamletCode: 'a-2', hamletName: 'Ấp A2', communeCode: 'xa-a', status: 'unclaimed', online: false, telemetry: null, contract: null });
    expect(await get().db.selectFrom('edge_state').select('edge_id').where('edge_id', '=', created.id).executeTakeFirst()).toEqual({ edge_id: created.id });

    // in hamlet order, then by name ('Tủ a-2' before 'Tủ mới')
    expect((await edges.list({ communeCode: 'xa-a' })).map((e) => e.id)).toEqual(['edg_a1', 'edg_a2', created.id]);
    expect((await edges.list({ hamletCode: 'b-1' })).map((e) => e.id)).toEqual(['edg_b1']);
    expect((await edges.list({ status: 'unclaimed' })).map((e) => e.id).sort()).toEqual(['edg_a2', created.id].sort());
    // a box without an edge_state row counts as offline
    expect((await edges.list({ online: false })).length).toBe(4);
    await get().db.insertInto('edge_state').values({ edge_id: 'edg_b1', online: 1 }).execute();
    expect((await edges.list({ online: true })).map((e) => e.id)).toEqual(['edg_b1']);

    const moved = await edges.update(created.id, { lat: 9.78 });
    expect(moved).toMatchObject({ name: 'Tủ mới', notes: 'cạnh chợ', lat: 9.78, hamletCode: 'a-2' });
    expect(await edges.update(created.id, { hamletCode: 'b-1' })).toMatchObject({ communeCode: 'xa-b', lat: 9.78 });
    await edges.delete(created.id);
    expect(await edges.find(created.id)).toBeNull();
    await expect(edges.get(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it("refuses a commune's person another commune's hamlet as unknown; a province-level person may use any", async () => {
    await insertPlaces(get(), PLACES);
    const edges = new EdgeStore(get());
    await expect(edges.create({ name: 'Tủ', hamletCode: 'b-1' }, { communeCode: 'xa-a' })).rejects.toMatchObject({ status: 400, message: 'unknown hamlet code "b-1"' });
    await expect(edges.update('edg_a1', { hamletCode: 'b-1' }, { communeCode: 'xa-a' })).rejects.toMatchObject({ status: 400 });
    expect((await edges.get('edg_a1')).hamletCode).toBe('a-1');
    expect(await edges.update('edg_a1', { hamletCode: 'b-1' }, { communeCode: null })).toMatchObject({ communeCode: 'xa-b' });
  });
});

forEachDatabase('device credentials', (get) => {
  it('issues, verifies, rotates through a pending secret that both work until the new one is used, and revokes', async () => {
    await insertPlaces(get(), PLACES);
    const credentials = new DeviceCredentials(get());
    expect(await credentials.isActive('edg_a2')).toBe(false);
    const first = await credentials.issue('edg_a2', 'cabinet-a2');
    expect(await credentials.isActive('edg_a2')).toBe(true);
    expect(await new EdgeStore(get()).get('edg_a2')).toMatchObject({ status: 'active', hostname: 'cabinet-a2' });
    expect(await credentials.verify('edg_a2', first)).toBe('edg_a2');
    expect(await credentials.verify('edg_a2', 'wrong')).toBeNull();
    expect(await credentials.verify('edg_nobody', first)).toBeNull();

    const next = await credentials.stagePending('edg_a2');
    expect(await credentials.verify('edg_a2', first)).toBe('edg_a2'); // the old one still works
    expect(await credentials.verify('edg_a2', next)).toBe('edg_a2'); // the box used the new one: promoted
    expect(await credentials.verify('edg_a2', first)).toBeNull();

    await credentials.issue('edg_a2', null); // claimed again without a hostname: the old one is kept
    expect((await new EdgeStore(get()).get('edg_a2')).hostname).toBe('cabinet-a2');
    await credentials.revoke('edg_a2');
    expect(await credentials.isActive('edg_a2')).toBe(false);
    expect(await credentials.verify('edg_a2', next)).toBeNull();
  });
});

forEachDatabase('edge contracts', (get) => {
  it('stores an announced contract, publishes a change once however many processes see it, and counts active boxes by revision', async () => {
    await insertPlaces(get(), PLACES);
    await get().db.insertInto('edge_state').values([{ edge_id: 'edg_a1' }, { edge_id: 'edg_b1' }, { edge_id: 'edg_a2' }]).execute();
    const other = secondConnection(get());
    try {
      const buses = [newBus(), newBus()];
      const events = recordEvents(buses, ['edge.contract']);
      const mine = new EdgeContracts(get(), buses[0]);
      const theirs = new EdgeContracts(other, buses[1]);
      const announced: Telemetry = { ...testTelemetry(), contract: { version: 3, features: ['schedule.source.relay', 'command.ping'] } };
      await Promise.all([mine.onTelemetry('edg_a1', announced, 10), theirs.onTelemetry('edg_a1', announced, 11)]);
      await Promise.all(buses.map((b) => b.stop()));
      expect(events.map((e) => e.payload)).toEqual([expect.objectContaining({ edgeId: 'edg_a1', version: 3, previous: null })]);
      expect(await mine.of('edg_a1')).toMatchObject({ version: 3, features: ['schedule.source.relay', 'command.ping'] });

      // the same features in another order are no change
      const again = newBus();
      const later = recordEvents([again], ['edge.contract']);
      const contracts = new EdgeContracts(get(), again);
      await contracts.onTelemetry('edg_a1', { ...testTelemetry(), contract: { version: 3, features: ['command.ping', 'schedule.source.relay'] } });
      await contracts.onTelemetry('edg_b1', testTelemetry()); // announces nothing: revision 1
      await again.stop();
      expect(later.map((e) => e.payload)).toEqual([expect.objectContaining({ edgeId: 'edg_b1', version: 1, previous: null })]);
      // edg_a2 is unclaimed: not counted
      expect((await contracts.revisions()).sort((a, b) => a.revision - b.revision)).toEqual([{ revision: 1, count: 1 }, { revision: 3, count: 1 }]);
    } finally {
      await other.close();
    }
  });
});

forEachDatabase('desired documents', (get) => {
  it('raises one version per set, publishes one box’s versions in order when sets run at once, and keeps the retained one newest', async () => {
    await insertPlaces(get(), PLACES);
    const documents = new Documents(get(), broker);
    const published: number[] = [];
    const stop = await broker.subscribe(topics.desired('edg_a1', 'schedule'), (_t, payload) => {
      if (payload.length) published.push((JSON.parse(payload.toString()) as { version: number }).version);
    });
    try {
      const states = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => documents.set('edg_a1', 'schedule', plan(n))));
      expect(states.map((s) => s.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
      await documents.settled();
      // never an older version after a newer one: the box (and a retained copy) ends on the newest
      expect(published).toEqual([...published].sort((a, b) => a - b));
      expect(published.at(-1)).toBe(6);
      const stored = (await documents.get('edg_a1', 'schedule'))!;
      expect(stored.version).toBe(6);
      expect(states.find((s) => s.version === 6)!.body).toEqual(stored.body);
    } finally {
      await stop();
    }
  });

  it('keeps what the box reported across versions, and lists one document of every box', async () => {
    await insertPlaces(get(), PLACES);
    const documents = new Documents(get(), broker);
    await documents.set('edg_a1', 'schedule', plan(1));
    await documents.onReported('edg_a1', 'schedule', { version: 1, status: 'applied', ts: 123 });
    const second = await documents.set('edg_a1', 'schedule', plan(2));
    expect(second).toMatchObject({ version: 2, reported: { version: 1, status: 'applied', at: 123, ignored: [] } });
    await documents.setMany('schedule', [{ edgeId: 'edg_b1', body: plan(7) }]);
    expect((await documents.listOf('schedule')).map((d) => [d.edgeId, d.state.version]).sort()).toEqual([['edg_a1', 2], ['edg_b1', 1]]);
    expect((await documents.listForEdge('edg_a1')).map((d) => d.doc)).toEqual(['schedule']);
  });

  it('keeps the box’s newest report when an older one is stored after it (two processes, one message each)', async () => {
    await insertPlaces(get(), PLACES);
    const documents = new Documents(get(), broker);
    await documents.set('edg_a1', 'schedule', plan(1));
    await documents.set('edg_a1', 'schedule', plan(2));
    await documents.onReported('edg_a1', 'schedule', { version: 2, status: 'applied', ts: 200 });
    await documents.onReported('edg_a1', 'schedule', { version: 1, status: 'applied', ts: 100 });
    expect((await documents.get('edg_a1', 'schedule'))!.reported).toMatchObject({ version: 2, at: 200 });
    await documents.onReported('edg_a1', 'schedule', { version: 2, status: 'applied', ts: 300 });
    expect((await documents.get('edg_a1', 'schedule'))!.reported).toMatchObject({ version: 2, at: 300 });
  });

  it('stores nothing and publishes nothing when the transaction it was stored in fails', async () => {
    await insertPlaces(get(), PLACES);
    const documents = new Documents(get(), broker);
    const published: string[] = [];
    const stop = await broker.subscribe(topics.desired('edg_a1', 'schedule'), (topic) => void published.push(topic));
    try {
      await expect(
        get().db.transaction().execute(async (trx) => {
          await documents.storeMany('schedule', [{ edgeId: 'edg_a1', body: plan(1) }], trx);
          throw new Error('the rest of the transaction failed');
        }),
      ).rejects.toThrow('the rest of the transaction failed');
      await documents.settled();
      expect(await documents.get('edg_a1', 'schedule')).toBeNull();
      expect(published).toEqual([]);
    } finally {
      await stop();
    }
  });
});

forEachDatabase('presence', (get) => {
  const logger = silentLogger();

  it('goes online and offline once, with its event once, when two processes see the same box at once', async () => {
    await insertPlaces(get(), PLACES);
    await get().db.insertInto('edge_state').values({ edge_id: 'edg_a1', last_seen_at: 1_000 }).execute();
    const other = secondConnection(get());
    try {
      const buses = [newBus(), newBus()];
      const events = recordEvents(buses, ['edge.online', 'edge.offline']);
      const mine = new Presence(get(), createCloudMetrics(), logger, 30, buses[0]!);
      const theirs = new Presence(other, createCloudMetrics(), logger, 30, buses[1]!);

      // the box's telemetry reaches both processes (a reconnect storm, a resend)
      await Promise.all([mine.onTelemetry('edg_a1', testTelemetry()), theirs.onTelemetry('edg_a1', testTelemetry())]);
      // then it falls silent: both watchdogs sweep at once
      const later = Date.now() + 3 * 30_000 + 1;
      const swept = await Promise.all([mine.sweep(later), theirs.sweep(later)]);
      expect(swept.flat()).toEqual(['edg_a1']);
      // revoked in both at once
      await mine.onAvailability('edg_a1', { state: 'online', ts: Date.now() });
      await Promise.all([mine.markOffline('edg_a1', 'revoked'), theirs.markOffline('edg_a1', 'revoked')]);
      await Promise.all(buses.map((b) => b.stop()));

      expect(events.map((e) => [e.name, 'reason' in e.payload ? e.payload.reason : null])).toEqual([
        ['edge.online', null],
        ['edge.offline', 'missed_heartbeats'],
        ['edge.online', null],
        ['edge.offline', 'revoked'],
      ]);
      expect(events[0]!.payload).toMatchObject({ edgeId: 'edg_a1', lastSeenAt: 1_000 });
      const row = await get().db.selectFrom('edge_state').select(['online', 'offline_reason']).where('edge_id', '=', 'edg_a1').executeTakeFirstOrThrow();
      expect(row).toEqual({ online: 0, offline_reason: 'revoked' });
    } finally {
      await other.close();
    }
  });

  it("applies availability in its own time order (a late last will is ignored) and counts what the metrics read", async () => {
    await insertPlaces(get(), PLACES);
    await get().db.insertInto('edge_state').values([{ edge_id: 'edg_a1' }, { edge_id: 'edg_b1' }]).execute();
    const bus = newBus();
    const events = recordEvents([bus], ['edge.online', 'edge.offline']);
    const presence = new Presence(get(), createCloudMetrics(), logger, 30, bus);
    await presence.onAvailability('edg_a1', { state: 'online', ts: 2_000 });
    await presence.onAvailability('edg_a1', { state: 'offline', ts: 1_000 }); // the will of the connection begun at 1000
    expect(await presence.countOnline()).toBe(1);
    const flooding = { ...testTelemetry(), cameras: [{ id: 'cho', status: 'streaming' as const, fps: 5, lastFrameAt: 1, flood: FLOOD }, { id: 'cong', status: 'streaming' as const, fps: 5, lastFrameAt: 1 }] };
    await presence.onTelemetry('edg_b1', flooding);
    expect(await presence.countFlooding()).toBe(1);
    await presence.onAvailability('edg_a1', { state: 'offline', ts: 2_000 }); // the current connection's own will
    await bus.stop();
    expect(events.map((e) => `${e.name} ${e.payload.edgeId}`)).toEqual(['edge.online edg_a1', 'edge.online edg_b1', 'edge.offline edg_a1']);
    expect(await presence.countOnline()).toBe(1);
  });
});
