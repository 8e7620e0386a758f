import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, featuresOf, topics, type FeatureLookups, type ScheduleBody } from '@smart-commune/shared';
import { openCloudDatabase, type Db } from '../db/database.js';
import { sqliteQueryDatabase } from '../db/query/index.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { testTelemetry } from '../../../test-support/telemetry.js';
import { waitFor } from '../../../test-support/wait.js';
import { CommandClient } from './commands.js';
import { Documents } from './documents.js';
import { EdgeContracts } from './edge-contracts.js';

/** A later revision's addition, as its table will hold it: a relay source kind, revision 3's `schedule.source.relay`. */
const later: FeatureLookups = {
  document: (doc) => (doc === 'release' ? 'document.release' : null),
  sourceKind: (kind) => (kind === 'relay' ? 'schedule.source.relay' : null),
  priority: () => null,
};
const asset = { sha256: 'a'.repeat(64), bytes: 1000, durationMs: 5000, mime: 'audio/ogg' as const };
const item = (n: number, source: unknown) => ({
  occurrenceId: `sch_${n}:1800000000000`, scheduleId: `sch_${n}`, bulletinId: null, title: `Mục ${n}`,
  source: source as ScheduleBody['items'][number]['source'], startAt: 1_800_000_000_000 + n, durationMs: 5000, priority: 'normal' as const, volume: 100, zones: null,
});
const plan: ScheduleBody = {
  windowStart: 1_799_999_700_000,
  windowEnd: 1_800_176_400_000,
  items: [item(1, { kind: 'asset', asset }), item(2, { kind: 'relay', stationId: 'vov1' }), item(3, { kind: 'asset', asset })],
};

describe('documents gated by the contract each box announced, over the real broker', () => {
  let test: TestCloud;
  let db: Db;
  let contracts: EdgeContracts;
  let documents: Documents;
  const received: { version: number; body: ScheduleBody }[] = [];
  const edgeId = 'edg_gatingtest01';

  beforeAll(async () => {
    test = await startTestCloud();
    // a database of its own, so the cloud's fleet (which knows no relay) does not send these documents again its way
    db = openCloudDatabase(':memory:');
    db.pragma('foreign_keys = OFF'); // no commune or hamlets in this database: only the box's rows
    db.prepare("INSERT INTO edges (id, name, hamlet_code, status, created_at, updated_at) VALUES (?, 'Tủ', 'ap-1', 'active', 0, 0)").run(edgeId);
    db.prepare('INSERT INTO edge_state (edge_id) VALUES (?)').run(edgeId);
    const query = sqliteQueryDatabase(db);
    contracts = new EdgeContracts(query);
    documents = new Documents(query, test.cloud.broker, undefined, contracts, later);
    await test.cloud.broker.subscribe(topics.desired(edgeId, 'schedule'), (_topic, payload) => {
      if (payload.length) received.push(JSON.parse(payload.toString()) as { version: number; body: ScheduleBody });
    });
  });
  afterAll(async () => {
    db?.close();
    await test?.stop();
  });

  const lastReceived = (version: number) => waitFor(() => received.find((r) => r.version === version) ?? null, `version ${version} on the broker`);

  it('leaves the relay out for a box that announced nothing, and records what it left out', async () => {
    const state = await documents.set(edgeId, 'schedule', plan);
    const sent = await lastReceived(state.version);
    expect(sent.body.items.map((i) => i.scheduleId)).toEqual(['sch_1', 'sch_3']);
    expect((await documents.get(edgeId, 'schedule'))!.withheld).toEqual([
      { path: 'items.1.source.kind', left: 'items.1', sentAs: null, feature: 'schedule.source.relay', since: null, label: 'sch_2:1800000000000 (Mục 2)' },
    ]);
    expect((await documents.get(edgeId, 'schedule'))!.body.items).toHaveLength(3);
  });

  it('sends it in a new version once the box announces the feature, and takes it back after a rollback', async () => {
    await contracts.onTelemetry(edgeId, { ...testTelemetry(), contract: { version: 3, features: ['schedule.source.relay'] } });
    expect(await documents.regate(edgeId)).toEqual(['schedule']);
    const updated = (await documents.get(edgeId, 'schedule'))!;
    expect((await lastReceived(updated.version)).body.items.map((i) => i.scheduleId)).toEqual(['sch_1', 'sch_2', 'sch_3']);
    expect(updated.withheld).toEqual([]);
    expect(await documents.regate(edgeId)).toEqual([]); // nothing changed: no new version

    await contracts.onTelemetry(edgeId, testTelemetry()); // the supervisor went back to a version that announces nothing
    expect(await contracts.of(edgeId)).toMatchObject({ version: 1, features: [] });
    expect(await documents.regate(edgeId)).toEqual(['schedule']);
    const rolledBack = (await documents.get(edgeId, 'schedule'))!;
    expect((await lastReceived(rolledBack.version)).body.items.map((i) => i.scheduleId)).toEqual(['sch_1', 'sch_3']);
  });

  it('refuses at once a command the box has not announced, naming the feature, and sends it once it has', async () => {
    // as if `ping` had been added in a later revision
    const commands = new CommandClient(test.cloud.broker, 300, contracts, (command) => (command === 'ping' ? 'command.ping' : null));
    const requests: string[] = [];
    await test.cloud.broker.subscribe(topics.req(edgeId, 'ping'), (_topic, payload) => void requests.push(payload.toString()));
    await contracts.onTelemetry(edgeId, testTelemetry());
    const started = Date.now();
    await expect(commands.send(edgeId, 'ping', {})).rejects.toMatchObject({ status: 409, code: 'edge_unsupported', message: expect.stringContaining('does not support "ping": it needs feature command.ping') });
    expect(Date.now() - started).toBeLessThan(100);
    await contracts.onTelemetry(edgeId, { ...testTelemetry(), contract: { version: 3, features: ['command.ping'] } });
    await expect(commands.send(edgeId, 'ping', {})).rejects.toMatchObject({ status: 504, code: 'edge_timeout' }); // sent: nobody answers here
    expect(requests).toHaveLength(1);
  });

  it('does not send a document the box would not know at all, and clears a retained copy', async () => {
    const before = received.length;
    const cleared: Buffer[] = [];
    await test.cloud.broker.subscribe(topics.desired(edgeId, 'release'), (_topic, payload) => void cleared.push(payload));
    await documents.set(edgeId, 'release' as 'footage', { requests: [] });
    await waitFor(() => cleared.length > 0, 'the release topic cleared');
    expect(cleared.every((p) => p.length === 0)).toBe(true);
    expect((await documents.get(edgeId, 'release' as 'footage'))!.withheld).toEqual([{ path: '', left: '', sentAs: null, feature: 'document.release', since: null, label: null }]);
    expect(received.length).toBe(before);
  });
});

describe('the fleet keeps each box contract and shows it', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  });
  afterAll(async () => {
    await test?.stop();
  });

  it('stores what telemetry announces, publishes edge.contract on a change, and names what an older box lacks', async () => {
    const { edgeId } = await claimTestEdge(test, 'ap-5');
    const seen: { version: number; previous: number | null }[] = [];
    test.cloud.events.subscribe('edge.contract', (e) => void seen.push({ version: e.version, previous: e.previous }));
    const publish = (telemetry: unknown) => test.cloud.broker.publish(topics.telemetry(edgeId), JSON.stringify(telemetry), { qos: 1, retain: false });

    await publish(testTelemetry()); // a box from before announcements
    const old = await waitFor(async () => ((await test.request('GET', `/api/v1/edges/${edgeId}`)).body.contract ? (await test.request('GET', `/api/v1/edges/${edgeId}/compatibility`)).body : null), 'contract stored');
    expect(old.box).toMatchObject({ version: 1, features: [] });
    expect(old.missing.map((m: { feature: string }) => m.feature)).toEqual(featuresOf(CONTRACT_VERSION));
    expect(old.cloud.version).toBe(CONTRACT_VERSION);
    expect(old.documents.map((d: { doc: string }) => d.doc)).toContain('config');

    await publish({ ...testTelemetry(), contract: { version: 2, features: ['contract.announce', 'documents.tolerant'] } });
    await waitFor(() => seen.length === 2, 'two edge.contract events');
    expect(seen).toEqual([{ version: 1, previous: null }, { version: 2, previous: 1 }]);
    const now = (await test.request('GET', `/api/v1/edges/${edgeId}/compatibility`)).body;
    // a revision 2 box lacks only what later revisions brought
    expect(now.missing.map((m: { feature: string }) => m.feature)).toEqual(featuresOf(CONTRACT_VERSION).filter((f) => !featuresOf(2).includes(f)));
    await publish({ ...testTelemetry(), contract: { version: 2, features: ['documents.tolerant', 'contract.announce'] } });
    await test.cloud.events.settled();
    expect(seen).toHaveLength(2); // the same contract again is no change
    const metrics = (await test.request<string>('GET', '/metrics', undefined, null)).body;
    expect(metrics).toContain('sc_edges_by_contract{revision="2"} 1');
  });
});
