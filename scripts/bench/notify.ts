/**
 * Notifications benchmark (issue 14), the Zalo OA half. On a real SQLite file, with the real outbox,
 * dispatcher and Zalo channel, against the Zalo stand-in over HTTP on 127.0.0.1 holding Zalo's
 * documented limit (4,000 calls a minute per app, developers.zalo.me/docs/official-account/phu-luc/gioi-han-toc-do-api):
 *  - N followers (default 100,000) subscribed across the 9 hamlets; one emergency alert to all 9;
 *  - per message, the time from `alert.started` to the stand-in accepting its OA call: p50, p99, last;
 *  - the outbox backlog while it drains (largest), the stand-in's -32 answers, duplicates (messages to
 *    one follower beyond the first; target 0).
 * `--broadcast` posts one article to every follower instead (SC_ZALO_BROADCAST=1).
 * At Zalo's 4,000 a minute one message per follower cannot reach 100,000 followers within a minute
 * (25 minutes at best): the run prints the projection; try it with `--followers 2000`.
 * The Web Push half (1,000 staff, 100 incident items, push_p99_ms) is not here yet: it needs the Web
 * Push channel. Ends with `RESULT {"followers":..,"zalo_p50_ms":..,"zalo_p99_ms":..,"max_backlog":..,"rate_limited":..,"duplicates":0}`.
 *   scripts/bench/notify [--followers 100000] [--zalo-per-minute 4000] [--rate-per-s 50] [--broadcast]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { VI_TAN } from '../../shared/src/index.js';
import { createLogger } from '../../shared/src/runtime/index.js';
import { AuditLog } from '../../cloud/src/audit/audit-log.js';
import { openCloudDatabase } from '../../cloud/src/db/database.js';
import { DomainEventBus } from '../../cloud/src/events/event-bus.js';
import { listHamlets, seedCommune } from '../../cloud/src/hamlets/hamlets.js';
import { createCloudMetrics } from '../../cloud/src/metrics.js';
import { createNotifications } from '../../cloud/src/notifications/notifications.js';
import { ZaloStandin } from '../../cloud/src/notifications/zalo/testing/zalo-standin.js';
import { createZalo } from '../../cloud/src/notifications/zalo/zalo.js';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64 } from '../../cloud/src/secrets/secret-box.js';

const { values } = parseArgs({
  options: {
    followers: { type: 'string', default: '100000' },
    'zalo-per-minute': { type: 'string', default: '4000' },
    'rate-per-s': { type: 'string', default: '50' },
    broadcast: { type: 'boolean', default: false },
  },
});
const N = Number(values.followers);
const PER_MINUTE = Number(values['zalo-per-minute']);
const RATE = Number(values['rate-per-s']);
const log = (line: string) => console.log(line);
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : null);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-notify-'));
  const db = openCloudDatabase(join(dir, 'cloud.db'));
  seedCommune(db, VI_TAN);
  const metrics = createCloudMetrics();
  const logger = createLogger('bench', { level: 'warn' });
  const bus = new DomainEventBus({ logger, handlerErrors: metrics.domainEventErrors });
  const audit = new AuditLog(db);
  const standin = await new ZaloStandin({ ratePerMinute: PER_MINUTE }).start();
  const config = { SC_NOTIFY_RETRY_FIRST_S: 5, SC_NOTIFY_RETRY_MAX_S: 3600, SC_NOTIFY_MAX_ATTEMPTS: 30, SC_NOTIFY_GIVE_UP_AFTER_S: 86_400, SC_NOTIFY_RETENTION_DAYS: 90, SC_NOTIFY_SEND_TIMEOUT_S: 30 };
  let resume = () => {};
  const zalo = createZalo({
    db,
    secrets: new SecretBox(secretKeyFromBase64(newSecretKeyBase64(), 'bench key')),
    audit,
    logger,
    metrics,
    config: { SC_ZALO_API_URL: standin.url, SC_ZALO_OAUTH_URL: standin.url, SC_ZALO_RATE_PER_S: RATE, SC_ZALO_CONCURRENCY: 16, SC_ZALO_BROADCAST: values.broadcast ? '1' : '0', ...config },
    hamlets: () => listHamlets(db),
    publicUrl: () => 'https://xa-vi-tan.example',
    onConnected: () => resume(),
  });
  const notifications = createNotifications({ db, bus, logger, metrics, audit, channels: [zalo.channel], config });
  resume = () => void notifications.resume('zalo');
  await notifications.start();
  await zalo.connector.connect({ appId: standin.appId, appSecret: standin.appSecret, oaId: standin.oaId, refreshToken: standin.issueRefreshToken() }, 'bench', null);

  const hamlets = VI_TAN.hamlets.map((h) => h.code);
  db.transaction(() => {
    for (let i = 0; i < N; i++) zalo.followers.subscribe(String(1_000_000_000 + i), hamlets[i % hamlets.length]!);
  })();
  const now = Date.now();
  db.prepare("INSERT INTO audio_assets (sha256, bytes, duration_ms, mime, created_at) VALUES (?, 1, 1000, 'audio/ogg', ?)").run('b'.repeat(64), now);
  db.prepare("INSERT INTO bulletins (id, title, kind, text, asset_sha256, duration_ms, loudness_lufs, true_peak_dbtp, created_at) VALUES ('b-bench', 'Bão số 9', 'tts', 'Người dân gia cố nhà cửa.', ?, 1000, -16, -1, ?)").run('b'.repeat(64), now);
  db.prepare("INSERT INTO alerts (id, version, title, text, severity, origin, bulletin_id, priority, volume, starts_at, expires_at, targets, status, created_at) VALUES ('a-bench', 1, 'Bão số 9', 'Người dân gia cố nhà cửa.', 'extreme', 'json', 'b-bench', 'emergency', 90, ?, ?, '[]', 'active', ?)").run(now, now + 3600_000, now);
  log(`${N} followers across ${hamlets.length} hamlets; Zalo stand-in ${PER_MINUTE}/min; channel ${RATE}/s; ${values.broadcast ? 'one broadcast article' : 'one message per follower'}`);
  if (!values.broadcast) log(`projection: ${N} messages at min(${PER_MINUTE}/min, ${RATE * 60}/min) take at least ${Math.round(N / Math.min(PER_MINUTE, RATE * 60) * 60)} s`);

  let maxBacklog = 0;
  const backlogOf = () => notifications.store.backlog().filter((b) => b.channel === 'zalo').reduce((n, b) => n + b.count, 0);
  const t0 = Date.now();
  bus.publish('alert.started', { alertId: 'a-bench', version: 1, priority: 'emergency', severity: 'extreme', kind: 'storm', origin: 'json', hamletCodes: hamlets, startsAt: t0, expiresAt: t0 + 3600_000, replaces: null });
  const expected = values.broadcast ? 1 : N;
  let lastReport = t0;
  for (;;) {
    const backlog = backlogOf();
    maxBacklog = Math.max(maxBacklog, backlog);
    if (standin.messages.length >= expected && backlog === 0) break;
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      log(`  ${Math.round((lastReport - t0) / 1000)} s: ${standin.messages.length} accepted, backlog ${backlog}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const latencies = standin.messages.map((m) => m.at - t0).sort((a, b) => a - b);
  const perUser = new Map<string, number>();
  for (const m of standin.messages) perUser.set(m.userId ?? 'broadcast', (perUser.get(m.userId ?? 'broadcast') ?? 0) + 1);
  const duplicates = [...perUser.values()].reduce((n, c) => n + c - 1, 0);
  const rateLimited = standin.calls.filter((c) => c.error === -32).length;
  const result = {
    followers: N,
    mode: values.broadcast ? 'broadcast' : 'per_follower',
    zalo_p50_ms: percentile(latencies, 50),
    zalo_p99_ms: percentile(latencies, 99),
    zalo_last_ms: latencies.at(-1) ?? null,
    max_backlog: maxBacklog,
    rate_limited: rateLimited,
    duplicates,
    push_p99_ms: null,
  };
  log(`accepted ${standin.messages.length} OA calls; p50 ${result.zalo_p50_ms} ms, p99 ${result.zalo_p99_ms} ms, last ${result.zalo_last_ms} ms; largest backlog ${maxBacklog}; -32 answers ${rateLimited}; duplicates ${duplicates}`);
  await notifications.stop();
  await bus.stop();
  await standin.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`RESULT ${JSON.stringify(result)}`);
}

await main();
