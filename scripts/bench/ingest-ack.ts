/**
 * What acknowledging a box event only after its store costs (issue 11, broker/external.ts): the
 * cloud's external broker link receives N QoS 1 events from a real Mosquitto (the tests' harness)
 * and stores each (`insertEdgeEvent`) in a SQLite file, or PostgreSQL with --postgres <url>, twice:
 *  - `after_store`: the handler answers with the store's promise, the PUBACK waits for it (today's code);
 *  - `on_receipt`: the handler stores without being awaited (what the cloud did before).
 * The publisher sends them all at once (QoS 1, all in flight); the time runs until the last is stored.
 * Ends with `RESULT {"events":..,"after_store_per_s":..,"on_receipt_per_s":..,"ratio":..}`.
 *   scripts/bench/ingest-ack [--events 2000] [--postgres postgres://…]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectAsync } from 'mqtt';
import { silentLogger } from '../../shared/src/runtime/index.js';
import { connectExternalBroker } from '../../cloud/src/broker/external.js';
import { startMosquitto } from '../../cloud/src/broker/testing/mosquitto.js';
import { openQueryDatabase } from '../../cloud/src/db/query/open.js';
import { insertEdgeEvent } from '../../cloud/src/db/query/fleet-queries.js';
import { createCloudMetrics } from '../../cloud/src/metrics.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '2000' }, postgres: { type: 'string' } } });
const N = Number(values.events);
const dir = mkdtempSync(join(tmpdir(), 'sc-bench-ingest-ack-'));
// all N in flight at once: more than Mosquitto's default queue of 1000 per subscriber
const mosquitto = await startMosquitto({ extraConfig: ['max_queued_messages 100000'] });
const q = await openQueryDatabase({ SC_DATABASE_URL: values.postgres, sqliteFile: join(dir, 'cloud.db') });
const brokerUrl = new URL(mosquitto.url);
brokerUrl.username = mosquitto.adminUsername;
brokerUrl.password = mosquitto.adminPassword;
const now = Date.now();
await q.db.insertInto('communes').values({ code: 'bench-xa', name: 'Xã bench', district: 'bench', province: 'bench', created_at: now } as never).execute();
await q.db.insertInto('hamlets').values({ code: 'bench-ap', commune_code: 'bench-xa', name: 'Ấp bench', position: 0 } as never).execute();
await q.db.insertInto('edges').values({ id: 'bench-box', name: 'bench-box', hamlet_code: 'bench-ap', status: 'active', created_at: now, updated_at: now } as never).execute();

async function run(mode: 'after_store' | 'on_receipt'): Promise<number> {
  const link = await connectExternalBroker(brokerUrl.toString(), silentLogger(), createCloudMetrics());
  let stored = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  await link.subscribe(`sc/v1/edges/+/events/${mode}`, (_topic, payload) => {
    const { eventId, ts } = JSON.parse(payload.toString()) as { eventId: string; ts: number };
    const store = insertEdgeEvent(q, { eventId, edgeId: 'bench-box', kind: 'lifecycle', ts, body: {} }).then(() => {
      if (++stored === N) done();
    });
    return mode === 'after_store' ? store : undefined;
  });
  const publisher = await connectAsync(mosquitto.url, { username: mosquitto.adminUsername, password: mosquitto.adminPassword, protocolVersion: 4 });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: N }, (_, i) => publisher.publishAsync(`sc/v1/edges/bench-box/events/${mode}`, JSON.stringify({ eventId: `evt_${mode}_${i}`, ts: Date.now() }), { qos: 1 })),
  );
  await all;
  const perS = Math.round(N / ((performance.now() - started) / 1000));
  console.log(`${mode}: ${N} events stored, ${perS} events/s`);
  await publisher.endAsync();
  await link.close();
  return perS;
}

try {
  const afterStore = await run('after_store');
  const onReceipt = await run('on_receipt');
  console.log(`RESULT ${JSON.stringify({ events: N, database: values.postgres ? 'postgres' : 'sqlite', after_store_per_s: afterStore, on_receipt_per_s: onReceipt, ratio: Math.round((afterStore / onReceipt) * 100) / 100 })}`);
} finally {
  await q.close();
  await mosquitto.stop();
  rmSync(dir, { recursive: true, force: true });
}
