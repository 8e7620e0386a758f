/**
 * Notifications benchmark (issue 14, "Figures"): staff Web Push and the commune's Zalo OA in one run,
 * on a real SQLite file with the real domain bus, outbox, dispatcher, Web Push channel (RFC 8291
 * encryption, VAPID, fetch with keep-alive) and Zalo channel.
 *  - Staff (default 1,000) in a mix of roles, one device each, subscribed with their role's default
 *    choices (every kind their role allows, no quiet hours): 70 % police, 20 % technicians, 8 %
 *    operators, 2 % admins. The push service is the tests' local RFC 8030 one (verifies each VAPID
 *    signature, decrypts each push) run in a CHILD process, so its decryption does not take the
 *    cloud's CPU.
 *  - Citizens (default 100,000) following the OA across the 9 hamlets, against the Zalo stand-in
 *    (in this process, over HTTP) holding Zalo's documented 4,000 calls a minute
 *    (developers.zalo.me/docs/official-account/phu-luc/gioi-han-toc-do-api).
 *  - The burst: one emergency alert to the 9 hamlets at t = 0 (8 start it within seconds, one never
 *    does, so its operators are told after SC_NOTIFY_ALERT_START_S) and 100 alert incident items
 *    within the minute across 27 cameras (3 a hamlet). The staff rules run with their DEFAULT
 *    settings, so the per-camera incident cooldown (SC_NOTIFY_INCIDENT_COOLDOWN_S, 60 s) holds an
 *    officer's second item of a camera back and sends one summary at the window's end.
 * Reports per push the time from its event (the incident's publication; for a deferred push, the
 * moment its check fired and wrote it) to the push service accepting it, per OA call the time from
 * `alert.started` to the stand-in accepting it, the outbox backlog during the burst, duplicates.
 * Zalo modes (`--zalo`): `broadcast` (default: one article to every follower, the only way 100,000
 * followers hear within a minute under Zalo's limit) or `per-follower` (one message each, paced at
 * SC_ZALO_RATE_PER_S; 100,000 take 25 minutes or more, so the run stops at `--max-s` and reports what
 * it reached and the projection). Unless `--per-follower-sample 0`, a second short run sends one
 * message per follower to that many followers (default 2,500: within a minute) and reports it too.
 * Ends with `RESULT {"push_p99_ms":..,"zalo_p99_ms":..,"duplicates":0,...}`.
 * Police follow the hamlet of their post (`--police-scope hamlet`, default, spread evenly over the 9) or
 * every hamlet (`--police-scope commune`, what an officer who never chose gets).
 *   scripts/bench/notify [--police-scope hamlet|commune] [--staff 1000] [--followers 100000] [--incidents 100] [--cameras 27]
 *     [--zalo broadcast|per-follower] [--per-follower-sample 2500] [--zalo-per-minute 4000] [--max-s 240]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { VI_TAN } from '../../shared/src/index.js';
import { createLogger } from '../../shared/src/runtime/index.js';
import { sqliteQueryDatabase } from '../../cloud/src/db/query/index.js';
import { AuditLog } from '../../cloud/src/audit/audit-log.js';
import { loadCloudConfig } from '../../cloud/src/config.js';
import { openCloudDatabase } from '../../cloud/src/db/database.js';
import { DomainEventBus } from '../../cloud/src/events/event-bus.js';
import { listHamlets, seedCommune } from '../../cloud/src/hamlets/hamlets.js';
import { createCloudMetrics } from '../../cloud/src/metrics.js';
import type { NotificationChannel } from '../../cloud/src/notifications/channel.js';
import { createNotifications } from '../../cloud/src/notifications/notifications.js';
import { eligibleKinds } from '../../cloud/src/notifications/webpush/preferences.js';
import { WebPushChannel } from '../../cloud/src/notifications/webpush/webpush-channel.js';
import { ZaloStandin } from '../../cloud/src/notifications/zalo/testing/zalo-standin.js';
import { ObjectCommunes } from '../../cloud/src/communes/object-commune.js';
import { CommuneStore } from '../../cloud/src/communes/commune-store.js';
import { createZalo } from '../../cloud/src/notifications/zalo/zalo.js';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64 } from '../../cloud/src/secrets/secret-box.js';
import type { Role } from '../../cloud/src/users/roles.js';
import type { FromChild, ReceivedSummary, ToChild } from './lib/notify/push-service-process.js';

const { values } = parseArgs({
  options: {
    staff: { type: 'string', default: '1000' },
    followers: { type: 'string', default: '100000' },
    incidents: { type: 'string', default: '100' },
    cameras: { type: 'string', default: '27' },
    'burst-s': { type: 'string', default: '60' },
    zalo: { type: 'string', default: 'broadcast' },
    'per-follower-sample': { type: 'string', default: '2500' },
    'zalo-per-minute': { type: 'string', default: '4000' },
    'max-s': { type: 'string', default: '240' },
    'police-scope': { type: 'string', default: 'hamlet' },
  },
});
const positive = (name: string, value: string | undefined, min = 0) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not ${value}`);
  return n;
};
if (values['police-scope'] !== 'hamlet' && values['police-scope'] !== 'commune') throw new Error(`--police-scope must be hamlet or commune, not ${values['police-scope']}`);
const POLICE_SCOPE = values['police-scope'];
if (values.zalo !== 'broadcast' && values.zalo !== 'per-follower') throw new Error(`--zalo must be broadcast or per-follower, not ${values.zalo}`);
const STAFF = positive('staff', values.staff);
const FOLLOWERS = positive('followers', values.followers, 1);
const INCIDENTS = positive('incidents', values.incidents);
const CAMERAS = positive('cameras', values.cameras, 1);
const BURST_MS = positive('burst-s', values['burst-s'], 1) * 1000;
const SAMPLE = positive('per-follower-sample', values['per-follower-sample']);
const PER_MINUTE = positive('zalo-per-minute', values['zalo-per-minute'], 1);
const MAX_MS = positive('max-s', values['max-s'], 10) * 1000;

const log = (line: string) => console.log(line);
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : null);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HAMLETS = VI_TAN.hamlets.map((h) => h.code);

/** The staff mix: share of each role (admins can do everything, so they get every kind). */
const MIX: [Role, number][] = [
  ['police', 0.7],
  ['technician', 0.2],
  ['operator', 0.08],
  ['admin', 0.02],
];
function rolesOf(staff: number): Role[] {
  const out: Role[] = [];
  for (const [role, share] of MIX) for (let i = 0; i < Math.round(staff * share); i++) out.push(role);
  while (out.length < staff) out.push('police');
  return out.slice(0, staff);
}

/** The push service in its own process; resolves once it listens. */
async function startPushProcess(vapidPublicKey: string) {
  const child: ChildProcess = fork(fileURLToPath(new URL('./lib/notify/push-service-process.ts', import.meta.url)), [vapidPublicKey], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const received: ReceivedSummary[] = [];
  const waiting = new Map<string, (m: FromChild) => void>();
  child.on('message', (m: FromChild) => {
    if (m.type === 'received') received.push(...m.pushes);
    else waiting.get(m.type)?.(m);
  });
  const next = <T extends FromChild['type']>(type: T) =>
    new Promise<Extract<FromChild, { type: T }>>((resolve, reject) => {
      waiting.set(type, (m) => resolve(m as Extract<FromChild, { type: T }>));
      child.once('exit', (code) => reject(new Error(`the push service process exited (${code}) before answering ${type}`)));
    });
  const tell = (m: ToChild) => child.send(m);
  await next('ready');
  return {
    received,
    async devices(count: number) {
      const answer = next('devices');
      tell({ type: 'devices', count });
      return (await answer).list;
    },
    async close() {
      const answer = next('closed');
      tell({ type: 'close' });
      const { refused, cpuMs } = await answer;
      return { refused, cpuMs };
    },
    /** After a failure: the child must not outlive the bench. */
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

interface RunOptions {
  staff: number;
  followers: number;
  incidents: number;
  zaloMode: 'broadcast' | 'per-follower';
}

async function run(o: RunOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-notify-'));
  const db = openCloudDatabase(join(dir, 'cloud.db'));
  await seedCommune(sqliteQueryDatabase(db), VI_TAN);
  const metrics = createCloudMetrics();
  const logger = createLogger('bench', { level: 'warn' });
  const bus = new DomainEventBus({ logger, handlerErrors: metrics.domainEventErrors });
  const audit = new AuditLog(sqliteQueryDatabase(db));
  const standin = await new ZaloStandin({ ratePerMinute: PER_MINUTE }).start();
  // the defaults of every SC_NOTIFY_* setting (cooldowns, delays, retries): only what points at the stand-ins is set
  const config = loadCloudConfig(
    {},
    {
      SC_DATA_DIR: dir,
      SC_LOG_LEVEL: 'warn',
      SC_PUSH_ALLOW_LOCAL_ENDPOINTS: true,
      SC_ZALO_API_URL: standin.url,
      SC_ZALO_OAUTH_URL: standin.url,
      SC_ZALO_BROADCAST: o.zaloMode === 'broadcast' ? '1' : '0',
    },
  );
  let resume = () => {};
  const zalo = createZalo({
    query: sqliteQueryDatabase(db),
    secrets: new SecretBox(secretKeyFromBase64(newSecretKeyBase64(), 'bench key')),
    audit,
    logger,
    metrics,
    config,
    hamlets: () => listHamlets(sqliteQueryDatabase(db)),
    communes: () => new CommuneStore(sqliteQueryDatabase(db)).active(),
    publicUrl: () => 'https://xa-vi-tan.example',
    onConnected: () => resume(),
  });
  const webpush = o.staff > 0 ? new WebPushChannel({ query: sqliteQueryDatabase(db), config, logger }) : null;
  const push = webpush ? await startPushProcess(webpush.vapid.publicKey) : null;
  const channels: NotificationChannel[] = [zalo.channel, ...(webpush ? [webpush] : [])];
  const objectCommunes = new ObjectCommunes(sqliteQueryDatabase(db));
  const notifications = createNotifications({ query: sqliteQueryDatabase(db), subjectCommune: (s) => objectCommunes.of(s), bus, logger, metrics, audit, config, channels });
  resume = () => void notifications.resume('zalo');
  try {
    await notifications.start();
    await zalo.connector.connect(null, { appId: standin.appId, appSecret: standin.appSecret, oaId: standin.oaId, refreshToken: standin.issueRefreshToken() }, 'bench', null);

    // ---- who: staff (written straight into the tables: the password hash is not what is measured) and followers
    const roles = rolesOf(o.staff);
    const kindsByRole = new Map<Role, string[]>();
    if (webpush && push) {
      const devices = await push.devices(o.staff);
      const addUser = db.prepare(`INSERT INTO users (id, username, display_name, role, password_hash, disabled, must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, 'x', 0, 0, 0, 0)`);
      const id = (i: number) => `usr_bench${String(i).padStart(5, '0')}`;
      db.transaction(() => roles.forEach((role, i) => addUser.run(id(i), `${role}-${i}`, `${role} ${i}`, role)))();
      // the subscription store is on the query layer (async): one device at a time, as the API adds them
      for (const [i, role] of roles.entries()) {
        const d = devices[i]!;
        const person = { id: id(i), role };
        await webpush.subscriptions.subscribe(person.id, { endpoint: d.endpoint, p256dh: d.keys.p256dh, auth: d.keys.auth, label: 'bench' });
        if (!kindsByRole.has(role)) kindsByRole.set(role, eligibleKinds(person as Parameters<typeof eligibleKinds>[0]));
        // an officer follows the hamlet of their post (the page's "Ấp bạn phụ trách"); --police-scope commune: all of them
        if (role === 'police' && POLICE_SCOPE === 'hamlet') {
          await webpush.subscriptions.setPreferences(person, { kinds: eligibleKinds(person as Parameters<typeof eligibleKinds>[0]), quietHours: null, hamlets: [HAMLETS[i % HAMLETS.length]!] });
        }
      }
    }
    // followers written straight into the table too (the webhook's subscribe is one awaited insert each)
    const provinceOa = db.prepare("SELECT id FROM zalo_oa WHERE scope = ''").pluck().get() as number;
    const addFollower = db.prepare('INSERT INTO zalo_followers (oa, user_id, hamlet_code, subscribed_at) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < o.followers; i++) addFollower.run(provinceOa, String(1_000_000_000 + i), HAMLETS[i % HAMLETS.length]!, Date.now());
    })();
    const now = Date.now();
    db.prepare("INSERT INTO audio_assets (sha256, bytes, duration_ms, mime, created_at) VALUES (?, 1, 1000, 'audio/ogg', ?)").run('b'.repeat(64), now);
    db.prepare("INSERT INTO bulletins (id, title, kind, text, asset_sha256, duration_ms, loudness_lufs, true_peak_dbtp, created_at) VALUES ('b-bench', 'Bão số 9', 'tts', 'Người dân gia cố nhà cửa.', ?, 1000, -16, -1, ?)").run('b'.repeat(64), now);
    db.prepare("INSERT INTO alerts (id, version, title, text, severity, origin, bulletin_id, priority, volume, starts_at, expires_at, targets, status, created_at) VALUES ('a-bench', 1, 'Bão số 9', 'Người dân gia cố nhà cửa.', 'extreme', 'json', 'b-bench', 'emergency', 90, ?, ?, '[]', 'active', ?)").run(now, now + 3600_000, now);
    if (o.staff > 0) {
      const counts = MIX.map(([role]) => `${roles.filter((r) => r === role).length} ${role} (${(kindsByRole.get(role) ?? []).join(', ') || 'nothing'})`);
      log(`staff, one device each: ${counts.join(', ')}; police follow ${POLICE_SCOPE === 'hamlet' ? 'the one hamlet of their post' : 'every hamlet'}`);
    }
    log(`${o.followers} OA followers across ${HAMLETS.length} hamlets; Zalo stand-in ${PER_MINUTE} calls/min; channel ${config.SC_ZALO_RATE_PER_S}/s; ${o.zaloMode === 'broadcast' ? 'one broadcast article' : 'one message per follower'}`);
    if (o.zaloMode === 'per-follower') {
      const perMinute = Math.min(PER_MINUTE, config.SC_ZALO_RATE_PER_S * 60);
      log(`  projection: ${o.followers} messages at ${perMinute}/min take at least ${Math.round((o.followers / perMinute) * 60)} s`);
    }

    // ---- the burst
    const backlog: { at: number; webpush: number; zalo: number }[] = [];
    const sample = async () => {
      const b = { at: Date.now(), webpush: 0, zalo: 0 };
      for (const row of await notifications.store.backlog()) if (row.channel === 'webpush' || row.channel === 'zalo') b[row.channel] += row.count;
      backlog.push(b);
    };
    const sampler = setInterval(() => void sample(), 250);
    const publishedAt = new Map<string, number>();
    const cpuAtStart = process.cpuUsage();
    const t0 = Date.now();
    bus.publish('alert.started', { alertId: 'a-bench', version: 1, priority: 'emergency', severity: 'extreme', kind: 'storm', origin: 'json', hamletCodes: HAMLETS, startsAt: t0, expiresAt: t0 + 3600_000, replaces: null });
    const burst = (async () => {
      // 8 hamlets' boxes start the alert within seconds; the last never does (its operators must hear of it)
      const deliveries = HAMLETS.slice(0, -1).map((code, i) => ({ code, at: t0 + 1000 + i * 1000 }));
      for (let i = 0; i < o.incidents; i++) {
        const dueAt = t0 + Math.floor((i * BURST_MS) / Math.max(1, o.incidents));
        while (deliveries.length && deliveries[0]!.at <= dueAt) {
          const d = deliveries.shift()!;
          await sleep(Math.max(0, d.at - Date.now()));
          bus.publish('alert.delivered', { alertId: 'a-bench', hamletCode: d.code, edgeId: `edg_${d.code}`, startedAt: Date.now() });
        }
        await sleep(Math.max(0, dueAt - Date.now()));
        const camera = (i * 7) % CAMERAS;
        const hamletCode = HAMLETS[camera % HAMLETS.length]!;
        const incidentId = `inc_bench${i}`;
        publishedAt.set(`/police/incidents/${incidentId}`, Date.now());
        bus.publish('incident.opened', { incidentId, edgeId: `edg_${hamletCode}`, hamletCode, cameraId: `cam-${camera}`, label: 'person', detectedAt: Date.now(), severity: 'alert', continues: null });
      }
      for (const d of deliveries) {
        await sleep(Math.max(0, d.at - Date.now()));
        bus.publish('alert.delivered', { alertId: 'a-bench', hamletCode: d.code, edgeId: `edg_${d.code}`, startedAt: Date.now() });
      }
    })();
    let burstDone = false;
    void burst.then(() => (burstDone = true));

    const expectedZalo = o.zaloMode === 'broadcast' ? 1 : o.followers;
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    let lastReport = t0;
    let stoppedEarly = false;
    for (;;) {
      await sleep(200);
      await sample(); // fresh: a stale sample taken just before the last summaries were written would end the run early
      const b = backlog.at(-1)!;
      const pushDone = !push || (count('SELECT COUNT(*) AS n FROM push_checks') === 0 && b.webpush === 0 && push.received.length >= count("SELECT COUNT(*) AS n FROM notification_outbox WHERE channel = 'webpush' AND status = 'sent'"));
      const zaloDone = standin.messages.length >= expectedZalo && b.zalo === 0;
      if (burstDone && pushDone && zaloDone) break;
      if (Date.now() - t0 > MAX_MS) {
        stoppedEarly = true;
        break;
      }
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        log(`  ${Math.round((lastReport - t0) / 1000)} s: ${push?.received.length ?? 0} pushes accepted (backlog ${b.webpush}), ${standin.messages.length} OA calls accepted (backlog ${b.zalo}); load ${loadavg()[0]!.toFixed(1)}`);
      }
    }
    await burst;
    clearInterval(sampler);
    await sample();

    // ---- figures
    const pushes = push?.received ?? [];
    const eventAt = (r: ReceivedSummary) => (r.kind === 'incident' && publishedAt.has(r.url) ? publishedAt.get(r.url)! : r.writtenAt);
    const byKind = new Map<string, number[]>();
    for (const r of pushes) {
      const kind = r.kind === 'incident' && !publishedAt.has(r.url) ? 'incident summary' : r.kind;
      byKind.set(kind, [...(byKind.get(kind) ?? []), r.at - eventAt(r)]);
    }
    const pushLatencies = pushes.map((r) => r.at - eventAt(r)).sort((a, b) => a - b);
    const seen = new Map<string, number>();
    for (const r of pushes) {
      const key = `${r.device}|${r.kind}|${r.url}|${r.title}|${r.body}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const pushDuplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
    const zaloLatencies = standin.messages.map((m) => m.at - t0).sort((a, b) => a - b);
    const perUser = new Map<string, number>();
    for (const m of standin.messages) perUser.set(m.userId ?? 'broadcast', (perUser.get(m.userId ?? 'broadcast') ?? 0) + 1);
    const zaloDuplicates = [...perUser.values()].reduce((n, c) => n + c - 1, 0);
    const cloudCpuMs = Math.round((process.cpuUsage(cpuAtStart).user + process.cpuUsage(cpuAtStart).system) / 1000);
    const { refused, cpuMs: pushServiceCpuMs } = push ? await push.close() : { refused: [], cpuMs: 0 };
    const outboxPush = count("SELECT COUNT(*) AS n FROM notification_outbox WHERE channel = 'webpush'");
    const failedPush = count("SELECT COUNT(*) AS n FROM notification_outbox WHERE channel = 'webpush' AND status = 'failed'");
    const maxBacklog = { webpush: Math.max(0, ...backlog.map((b) => b.webpush)), zalo: Math.max(0, ...backlog.map((b) => b.zalo)) };

    if (push) {
      const incidentRecipients = roles.filter((r) => kindsByRole.get(r)?.includes('incident')).length;
      log(`${o.incidents} incident items over ${BURST_MS / 1000} s on ${CAMERAS} cameras to ${incidentRecipients} staff who get incidents: ${o.incidents * incidentRecipients} pushes without a cooldown; with the default per-camera cooldown (${config.SC_NOTIFY_INCIDENT_COOLDOWN_S} s): ${(byKind.get('incident') ?? []).length} item pushes + ${(byKind.get('incident summary') ?? []).length} summaries`);
      for (const [kind, list] of byKind) {
        const sorted = [...list].sort((a, b) => a - b);
        log(`  ${kind}: ${list.length} pushes, event → accepted p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms`);
      }
      log(`pushes: ${pushes.length} accepted (${outboxPush} written to the outbox, ${failedPush} given up, ${refused.length} refused by the service); p99 ${percentile(pushLatencies, 99)} ms; duplicates ${pushDuplicates}`);
      const every5 = backlog.filter((b, i) => i === 0 || Math.floor((b.at - t0) / 5000) > Math.floor((backlog[i - 1]!.at - t0) / 5000)).map((b) => `${Math.round((b.at - t0) / 1000)}s:${b.webpush}`);
      log(`CPU during the burst: this process (cloud, Zalo stand-in, bench) ${(cloudCpuMs / 1000).toFixed(1)} s, ${(cloudCpuMs / Math.max(1, pushes.length)).toFixed(2)} ms a push; the push service process ${(pushServiceCpuMs / 1000).toFixed(1)} s in all (setup included)`);
      log(`Web Push outbox backlog every 5 s: ${every5.join(' ')} (largest ${maxBacklog.webpush})`);
    }
    const reached = standin.messages.length;
    log(`OA: ${reached} of ${expectedZalo} calls accepted${stoppedEarly ? ` when the run stopped at ${MAX_MS / 1000} s` : ''}; from alert.started p50 ${percentile(zaloLatencies, 50)} ms, p99 ${percentile(zaloLatencies, 99)} ms, last ${zaloLatencies.at(-1) ?? null} ms; largest backlog ${maxBacklog.zalo}; -32 answers ${standin.calls.filter((c) => c.error === -32).length}; duplicates ${zaloDuplicates}`);
    return {
      pushes: pushes.length,
      push_p50_ms: percentile(pushLatencies, 50),
      push_p99_ms: percentile(pushLatencies, 99),
      push_incident_p99_ms: percentile([...(byKind.get('incident') ?? [])].sort((a, b) => a - b), 99),
      push_max_backlog: maxBacklog.webpush,
      push_duplicates: pushDuplicates,
      push_failed: failedPush,
      cloud_cpu_ms_per_push: pushes.length ? Number((cloudCpuMs / pushes.length).toFixed(2)) : null,
      zalo_mode: o.zaloMode,
      zalo_followers: o.followers,
      zalo_calls: reached,
      zalo_complete: reached >= expectedZalo,
      zalo_p99_ms: percentile(zaloLatencies, 99),
      zalo_max_backlog: maxBacklog.zalo,
      zalo_duplicates: zaloDuplicates,
      /** One message per follower to 100,000 at the slower of Zalo's limit and the channel's pace. */
      projection_100k_s: Math.round((100_000 / Math.min(PER_MINUTE, config.SC_ZALO_RATE_PER_S * 60)) * 60),
      stopped_early: stoppedEarly,
    };
  } finally {
    push?.kill();
    await notifications.stop();
    await bus.stop();
    await standin.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; the push service runs in a child process, the Zalo stand-in in this one`);
  const main = await run({ staff: STAFF, followers: FOLLOWERS, incidents: INCIDENTS, zaloMode: values.zalo as RunOptions['zaloMode'] });
  let sample: Awaited<ReturnType<typeof run>> | null = null;
  if (SAMPLE > 0) {
    log(`--- one message per follower, ${SAMPLE} followers (Zalo only)`);
    sample = await run({ staff: 0, followers: SAMPLE, incidents: 0, zaloMode: 'per-follower' });
  }
  const duplicates = main.push_duplicates + main.zalo_duplicates + (sample?.zalo_duplicates ?? 0);
  const { push_p99_ms, zalo_p99_ms, ...rest } = main;
  const perFollower = sample
    ? { per_follower_followers: sample.zalo_followers, per_follower_p99_ms: sample.zalo_p99_ms, per_follower_complete: sample.zalo_complete, per_follower_100k_projection_s: sample.projection_100k_s }
    : {};
  log(`RESULT ${JSON.stringify({ push_p99_ms, zalo_p99_ms, duplicates, ...rest, ...perFollower })}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
