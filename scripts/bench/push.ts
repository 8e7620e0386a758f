/**
 * Staff Web Push benchmark (issue 14). The real pieces on a real SQLite file: the domain bus, the
 * notifications outbox and dispatcher, the Web Push channel (RFC 8291 encryption, VAPID, fetch),
 * and the local RFC 8030 push service of the tests (it verifies each VAPID signature and decrypts
 * each push as a browser would: in this same process, so it competes with the sender for the CPU
 * and the figures are pessimistic). N police officers (default 1,000) have one device each; I new
 * incident items (default 3, each from another camera, no cooldown) are published one after the
 * other: N × I pushes. Reports the time from each incident's event to its pushes' acceptance by
 * the push service (p50, p99, last), the outbox backlog while it drains, and duplicates (a device
 * receiving one incident twice; target 0).
 * Ends with `RESULT {"pushes":..,"push_p50_ms":..,"push_p99_ms":..,"last_ms":..,"max_backlog":..,"duplicates":0}`.
 *   scripts/bench/push [--staff 1000] [--incidents 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { VI_TAN } from '../../shared/src/index.js';
import { createLogger } from '../../shared/src/runtime/index.js';
import { loadCloudConfig } from '../../cloud/src/config.js';
import { openCloudDatabase } from '../../cloud/src/db/database.js';
import { DomainEventBus } from '../../cloud/src/events/event-bus.js';
import { seedCommune } from '../../cloud/src/hamlets/hamlets.js';
import { createCloudMetrics } from '../../cloud/src/metrics.js';
import { createNotifications } from '../../cloud/src/notifications/notifications.js';
import { startLocalPushService } from '../../cloud/src/notifications/webpush/testing/local-push-service.js';
import { WebPushChannel } from '../../cloud/src/notifications/webpush/webpush-channel.js';

const { values } = parseArgs({ options: { staff: { type: 'string', default: '1000' }, incidents: { type: 'string', default: '3' } } });
const STAFF = Number(values.staff);
const INCIDENTS = Number(values.incidents);
const log = (line: string) => console.log(line);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-push-'));
  const db = openCloudDatabase(join(dir, 'cloud.db'));
  seedCommune(db, VI_TAN);
  const metrics = createCloudMetrics();
  const logger = createLogger('bench', { level: 'warn' });
  const bus = new DomainEventBus({ logger, handlerErrors: metrics.domainEventErrors });
  const config = loadCloudConfig({}, { SC_DATA_DIR: dir, SC_PUSH_ALLOW_LOCAL_ENDPOINTS: true, SC_NOTIFY_INCIDENT_COOLDOWN_S: 0, SC_LOG_LEVEL: 'warn' });
  const channel = new WebPushChannel({ db, config, logger });
  const push = await startLocalPushService({ vapidPublicKey: channel.vapid.publicKey });
  const notifications = createNotifications({ db, bus, logger, metrics, config, channels: [channel] });
  try {
    // staff written straight into the tables (the password hash is not what is measured)
    const addUser = db.prepare(`INSERT INTO users (id, username, display_name, role, password_hash, disabled, must_change_password, created_at, updated_at) VALUES (?, ?, ?, 'police', 'x', 0, 0, 0, 0)`);
    db.transaction(() => {
      for (let i = 0; i < STAFF; i++) {
        const id = `usr_bench${String(i).padStart(5, '0')}`;
        addUser.run(id, `police-${i}`, `Công an ${i}`);
        const d = push.newDevice();
        channel.subscriptions.subscribe(id, { endpoint: d.endpoint, p256dh: d.keys.p256dh, auth: d.keys.auth, label: 'bench' });
      }
    })();
    await notifications.start();

    const publishedAt = new Map<string, number>();
    const backlog: number[] = [];
    const sampler = setInterval(() => backlog.push(notifications.store.backlog().reduce((n, b) => n + b.count, 0)), 250);
    const t0 = performance.now();
    for (let i = 0; i < INCIDENTS; i++) {
      const incidentId = `inc_bench${i}`;
      publishedAt.set(`/police/incidents/${incidentId}`, Date.now());
      bus.publish('incident.opened', { incidentId, edgeId: 'edg_bench', hamletCode: VI_TAN.hamlets[i % 9]!.code, cameraId: `cam-${i}`, label: 'person', detectedAt: Date.now(), severity: 'alert', continues: null });
    }
    const enqueuedMs = performance.now() - t0;
    await push.waitFor(STAFF * INCIDENTS, 600_000);
    await notifications.dispatcher.idle();
    clearInterval(sampler);

    const latencies = push.received.map((r) => r.at - publishedAt.get(String(r.payload.url))!).sort((a, b) => a - b);
    const perDevice = new Map<string, number>();
    for (const r of push.received) perDevice.set(`${r.device}|${String(r.payload.url)}`, (perDevice.get(`${r.device}|${String(r.payload.url)}`) ?? 0) + 1);
    const duplicates = [...perDevice.values()].filter((n) => n > 1).length;
    const last = latencies.at(-1) ?? 0;
    log(`${STAFF} police officers with one device each, ${INCIDENTS} incident items: ${push.received.length} pushes accepted, ${push.refused.length} refused`);
    log(`events handled and enqueued in ${enqueuedMs.toFixed(0)} ms; the last push accepted ${(last / 1000).toFixed(2)} s after its event (${Math.round(push.received.length / (last / 1000))} pushes/s)`);
    log(`event → accepted: p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${last} ms`);
    log(`outbox backlog every 0.25 s: ${backlog.slice(0, 16).join(', ')}${backlog.length > 16 ? ', …' : ''}`);
    log(`duplicates (a device receiving one incident twice): ${duplicates}`);
    log(
      `RESULT ${JSON.stringify({
        pushes: push.received.length,
        push_p50_ms: quantile(latencies, 0.5),
        push_p99_ms: quantile(latencies, 0.99),
        last_ms: last,
        max_backlog: Math.max(0, ...backlog),
        duplicates,
      })}`,
    );
  } finally {
    await notifications.stop();
    await bus.stop();
    await push.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
