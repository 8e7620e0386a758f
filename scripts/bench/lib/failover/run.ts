/**
 * The failover scenario of issue 11, shared by scripts/bench/failover (500 boxes, the issue's timeline)
 * and its short version in the test suite (a few boxes, one kill): clouds behind HAProxy on PostgreSQL,
 * Mosquitto and S3 (test-support/cluster), boxes claimed through HAProxy, then traffic — a numbered
 * event from every box every 2 s, an alert or a schedule change every 10 s, a command a second, and a
 * steady read load — while one cloud is killed with SIGKILL and restarted, then the broker. At the end
 * every check of the issue is measured; one that a missing part makes impossible to pass says which.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { DateTime } from 'luxon';
import { COMMUNE_TIME_ZONE } from '../../../../shared/src/index.js';
import { startCluster, type Cluster } from '../../../../test-support/cluster/cluster.js';
import { HAMLETS, round, type Cred } from '../fleet/common.js';
import { checkAlerts, checkDesired, checkEvents, checkHttp, checkPresence, type Check, type Findings } from './checks.js';
import { CountingHttp } from './http-client.js';
import { startRealBox, type RealBox } from './real-box.js';
import { FailoverBox } from './sim-box.js';

export interface Timeline {
  /** Seconds from the start of traffic. */
  killCloudAt: number;
  restartCloudAt: number;
  /** Omit both to leave the broker alone (the test's short version). */
  killBrokerAt?: number;
  restartBrokerAt?: number;
  /** Traffic stops here; the checks follow. */
  endAt: number;
}

export const ISSUE_TIMELINE: Timeline = { killCloudAt: 20, restartCloudAt: 40, killBrokerAt: 50, restartBrokerAt: 55, endAt: 70 };

export interface FailoverOptions {
  boxes: number;
  clouds?: number;
  timeline: Timeline;
  eventEveryMs?: number;
  changeEveryMs?: number;
  commandEveryMs?: number;
  /** Real edge daemons (each alone in a hamlet, with a simulated loudspeaker): the alerts target them. */
  real?: number;
  /** Concurrent read loops through HAProxy (each one request after another). */
  readers?: number;
  log?: (line: string) => void;
  keepDir?: boolean;
}

export interface FailoverResult {
  lost: number | null;
  duplicated: number | null;
  http_error_pct: number | null;
  max_gap_ms: number | null;
  broker_back_s: number | null;
  ok: boolean;
  checks: Check[];
  figures: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pool<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}

export async function runFailover(options: FailoverOptions): Promise<FailoverResult> {
  const log = options.log ?? (() => undefined);
  const t = options.timeline;
  const eventEveryMs = options.eventEveryMs ?? 2000;
  const out: Findings = { checks: [], figures: { boxes: options.boxes, clouds: options.clouds ?? 2 } };
  const { checks, figures } = out;
  const boxes: FailoverBox[] = [];
  const realBoxes: RealBox[] = [];
  let cluster: Cluster | null = null;
  let db: pg.Client | null = null;
  const timers: NodeJS.Timeout[] = [];
  let running = true;
  try {
    cluster = await startCluster({ clouds: options.clouds ?? 2, keepDir: options.keepDir, log: (l) => log(`[cluster] ${l}`), env: { SC_TELEMETRY_INTERVAL_S: '5', SC_COMMAND_TIMEOUT_MS: '3000' } });
    const c = cluster;
    db = new pg.Client({ connectionString: c.databaseUrl });
    await db.connect();
    const sql = db;
    const http = new CountingHttp(c.httpUrl);
    const login = await http.request<{ token: string }>('POST', '/api/v1/auth/token', { username: 'admin', password: c.adminPassword });
    if (login.status !== 200) throw new Error(`admin login through HAProxy: ${login.status}`);
    http.token = login.body.token;

    // --- boxes claimed through HAProxy (the clouds take turns answering)
    const claimStarted = Date.now();
    const creds: Cred[] = new Array(options.boxes);
    let mqttUrl = c.mqttPublicUrl;
    // the real boxes alone in the first hamlets (their proof of play is per hamlet); the simulated ones in the rest
    const realCount = Math.min(options.real ?? 0, HAMLETS.length - 1);
    const realHamlets = HAMLETS.slice(0, realCount);
    const simHamlets = HAMLETS.slice(realCount);
    await pool([...Array(options.boxes).keys()], 8, async (i) => {
      const created = await http.request<{ id: string }>('POST', '/api/v1/edges', { name: `Tủ thử ${String(i + 1).padStart(4, '0')}`, hamletCode: simHamlets[i % simHamlets.length] });
      if (created.status !== 201) throw new Error(`box ${i + 1} not created: ${created.status} ${JSON.stringify(created.body)}`);
      const token = await http.request<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
      const claim = await http.request<{ mqtt: { url: string; username: string; password: string } }>('POST', '/api/v1/provision/claim', { token: token.body.token }, { headers: { authorization: '' } });
      if (claim.status !== 200) throw new Error(`box ${i + 1} not claimed: ${claim.status} ${JSON.stringify(claim.body)}`);
      mqttUrl = claim.body.mqtt.url;
      creds[i] = { edgeId: created.body.id, username: claim.body.mqtt.username, password: claim.body.mqtt.password };
    });
    figures.claim_s = round((Date.now() - claimStarted) / 1000);
    log(`[setup] ${options.boxes} boxes claimed through HAProxy in ${figures.claim_s} s; they connect to ${mqttUrl}`);
    const edgeIds = creds.map((cr) => cr.edgeId);
    await pool(creds, 50, async (cred) => {
      const box = new FailoverBox(cred, mqttUrl, 5000);
      boxes.push(box);
      await box.connect();
    });
    const onlineCount = async () => Number((await sql.query('SELECT count(*) AS n FROM edge_state WHERE online = 1 AND edge_id = ANY($1)', [edgeIds])).rows[0].n);
    const deadline = Date.now() + 60_000;
    while ((await onlineCount()) < boxes.length) {
      if (Date.now() > deadline) throw new Error(`only ${await onlineCount()} of ${boxes.length} boxes online after 60 s`);
      await sleep(250);
    }
    log(`[setup] all ${boxes.length} boxes online`);
    const isOnline = async (edgeId: string) => Number((await sql.query('SELECT count(*) AS n FROM edge_state WHERE online = 1 AND edge_id = $1', [edgeId])).rows[0].n) === 1;
    for (const [i, hamlet] of realHamlets.entries()) {
      realBoxes.push(await startRealBox(http, c.dir, hamlet, `Tủ thật ${i + 1}`, isOnline));
      log(`[setup] real box ${realBoxes[i]!.edgeId} (sc-edge, pid ${realBoxes[i]!.daemon.pid}) online in ${hamlet} with a simulated loudspeaker`);
    }

    // the bulletin schedules play, and the clip read back through the other process
    const tone = join(c.dir, 'clip.wav');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=660:duration=2', '-ar', '48000', tone]);
    const form = new FormData();
    form.set('title', 'Đoạn thử chuyển đổi dự phòng');
    form.set('file', new Blob([readFileSync(tone)], { type: 'audio/wav' }), 'clip.wav');
    // transcoded and measured by ffmpeg: slow on a loaded machine, hence the long wait
    const upload = await http.request<{ id: string; asset: { sha256: string } }>('POST', '/api/v1/bulletins', undefined, { base: c.cloudUrls[0], raw: form, what: 'POST /bulletins (upload)', timeoutMs: 180_000 });
    if (upload.status !== 201) {
      checks.push({ name: 'clip uploaded through one process reads back byte-identical through the other', ok: false, detail: `the upload to cloud1 failed: ${upload.status} ${JSON.stringify(upload.body)}` });
    } else {
      const boxAuth = { authorization: `Basic ${Buffer.from(`${creds[0]!.username}:${creds[0]!.password}`).toString('base64')}` };
      const readBack = await Promise.all(c.cloudUrls.map((base) => http.request('GET', `/api/v1/assets/${upload.body.asset.sha256}`, undefined, { base, headers: boxAuth, what: 'GET /assets (read back)' })));
      const first = readBack[0]!;
      const others = readBack.slice(1);
      checks.push({
        name: 'clip uploaded through one process reads back byte-identical through the other',
        ok: first.status === 200 && others.every((o) => o.status === 200 && o.bytes!.equals(first.bytes!)),
        detail: `cloud1 ${first.status} (${first.bytes?.length ?? 0} B); ${others.map((o, i) => `cloud${i + 2} ${o.status}${o.status === 200 ? ` (${o.bytes!.equals(first.bytes!) ? 'identical' : 'DIFFERENT'})` : ''}`).join(', ')}`,
      });
    }
    const bulletinId = upload.status === 201 ? upload.body.id : null;

    // --- traffic
    const t0 = Date.now();
    const at = (s: number) => t0 + s * 1000;
    boxes.forEach((box, i) => box.startEvents(eventEveryMs, Math.floor((i / boxes.length) * eventEveryMs)));
    // offline watch: every box's state ten times a second, with the reason (a wrong offline mark may
    // last only until the box's retained availability is read again)
    const offlineSeen: { at: number; edgeId: string; reason: string | null }[] = [];
    // the real boxes' applied versions (reported_version), which must only go up
    const applied = new Map<string, number>();
    const appliedWentBack: string[] = [];
    let tick = 0;
    const realIds = realBoxes.map((b) => b.edgeId);
    const watch = (async () => {
      while (running) {
        if (realIds.length && tick++ % 5 === 0) {
          const docs = (await sql.query('SELECT edge_id, doc, reported_version FROM documents WHERE edge_id = ANY($1) AND reported_version IS NOT NULL', [realIds]).catch(() => ({ rows: [] }))).rows as { edge_id: string; doc: string; reported_version: number }[];
          for (const d of docs) {
            const key = `${d.edge_id}/${d.doc}`;
            const before = applied.get(key);
            if (before !== undefined && Number(d.reported_version) < before) appliedWentBack.push(`${key}: ${before} → ${d.reported_version}`);
            applied.set(key, Math.max(before ?? 0, Number(d.reported_version)));
          }
        }
        const rows = (await sql.query('SELECT edge_id, offline_reason FROM edge_state WHERE online = 0 AND edge_id = ANY($1)', [edgeIds]).catch(() => ({ rows: [] }))).rows as { edge_id: string; offline_reason: string | null }[];
        for (const r of rows) offlineSeen.push({ at: Date.now(), edgeId: r.edge_id, reason: r.offline_reason });
        await sleep(100);
      }
    })();
    // steady reads: one box's record at a time per reader
    const readers = Array.from({ length: options.readers ?? 4 }, async (_, k) => {
      let i = k;
      while (running) {
        await http.request('GET', `/api/v1/edges/${edgeIds[i++ % edgeIds.length]}`, undefined, { what: 'GET /edges/:id' });
        await sleep(20);
      }
    });
    // a command a second to a box (a ping: the box answers through the broker to whichever process waits)
    const commands: { at: number; status: number }[] = [];
    let cmd = 0;
    timers.push(setInterval(() => {
      const edgeId = edgeIds[cmd++ % edgeIds.length]!;
      void http.request('POST', `/api/v1/edges/${edgeId}/ping`, undefined, { what: 'POST /edges/:id/ping' }).then((r) => commands.push({ at: Date.now(), status: r.status }));
    }, options.commandEveryMs ?? 1000));
    // an alert or a schedule change every 10 s, through HAProxy
    let change = 0;
    const alertIds: string[] = [];
    const changes = (async () => {
      while (running && Date.now() < at(t.endAt)) {
        await sleep(options.changeEveryMs ?? 10_000);
        if (!running || Date.now() >= at(t.endAt)) break;
        const hamlet = simHamlets[change % simHamlets.length]!;
        if (change++ % 2 === 0 || bulletinId === null) {
          // to the real boxes' hamlets (they play it and prove it), else one hamlet of simulated boxes
          const alertHamlets = realHamlets.length ? realHamlets : [hamlet];
          const r = await http.request<{ id: string }>('POST', '/api/v1/alerts', { text: `Cảnh báo thử số ${change}: nước lên, bà con chú ý.`, severity: 'minor', kind: 'other', targets: { hamlets: alertHamlets }, expiresAt: Date.now() + 3600_000, repeatEveryMinutes: null }, { what: 'POST /alerts', timeoutMs: 60_000 });
          if (r.status === 201) alertIds.push(r.body.id);
        } else {
          const startsLocal = DateTime.now().setZone(COMMUNE_TIME_ZONE).plus({ days: 1, minutes: change * 7 }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
          await http.request('POST', '/api/v1/schedules', { title: `Lịch thử ${change}`, source: { kind: 'bulletin', bulletinId }, startsLocal, targets: { hamlets: [hamlet] } }, { what: 'POST /schedules' });
        }
      }
    })();

    // --- the kills
    const victim = c.clouds[0]!;
    await sleep(at(t.killCloudAt) - Date.now());
    await victim.kill();
    log(`[${t.killCloudAt} s] ${victim.spec.name} killed (SIGKILL)`);
    await sleep(at(t.restartCloudAt) - Date.now());
    await victim.start();
    log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${victim.spec.name} restarted and healthy`);
    let brokerBackS: number | null = null;
    let brokerNotBack = '';
    if (t.killBrokerAt !== undefined && t.restartBrokerAt !== undefined) {
      await sleep(at(t.killBrokerAt) - Date.now());
      await c.mosquitto.kill();
      log(`[${t.killBrokerAt} s] Mosquitto killed (SIGKILL)`);
      await sleep(at(t.restartBrokerAt) - Date.now());
      // from the moment it is started again: a box may be back before start() has seen the broker ready
      const restarted = Date.now();
      await c.mosquitto.start();
      log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] Mosquitto restarted`);
      // back: every box connected again and online in the database
      const limit = restarted + 60_000;
      while (Date.now() < limit) {
        if (boxes.every((b) => b.connected && (b.connectedAt ?? 0) >= restarted) && (await onlineCount()) === boxes.length) {
          brokerBackS = (Date.now() - restarted) / 1000;
          break;
        }
        await sleep(100);
      }
      if (brokerBackS === null) {
        const notConnected = boxes.filter((b) => !b.connected || (b.connectedAt ?? 0) < restarted).length;
        brokerNotBack = `${notConnected} boxes not connected again, ${boxes.length - (await onlineCount())} not online in the database`;
      }
      log(`[broker] every box back online ${brokerBackS === null ? `NOT within 60 s (${brokerNotBack})` : `after ${brokerBackS.toFixed(1)} s`}`);
    }
    await sleep(Math.max(0, at(t.endAt) - Date.now()));
    running = false;
    for (const timer of timers) clearInterval(timer);
    boxes.forEach((b) => b.stopEvents());
    await Promise.all([...readers, changes, watch]);
    const trafficEnd = Date.now();
    log(`[${((trafficEnd - t0) / 1000).toFixed(1)} s] traffic stopped; settling`);

    // events first: a revoked box can no longer send again what the cloud has not confirmed yet
    const { lost, duplicated } = await checkEvents(sql, boxes, edgeIds, out);

    // --- revocation through the other process (not the one killed): the box must be dropped within 2 s
    const revoked = boxes[boxes.length - 1]!;
    const other = c.cloudUrls[1] ?? c.cloudUrls[0]!;
    const revokeAt = Date.now();
    const rev = await http.request('POST', `/api/v1/edges/${revoked.cred.edgeId}/revoke`, undefined, { base: other, what: 'POST /edges/:id/revoke' });
    let droppedMs: number | null = null;
    while (Date.now() - revokeAt < 5000) {
      if (!revoked.connected) {
        droppedMs = Date.now() - revokeAt;
        break;
      }
      await sleep(20);
    }
    checks.push({
      name: 'a revocation made through the other process disconnects the box within 2 s',
      ok: rev.status === 200 && droppedMs !== null && droppedMs <= 2000,
      detail: `revoke ${rev.status}; box ${droppedMs === null ? 'still connected after 5 s' : `dropped after ${droppedMs} ms`}`,
    });
    figures.revoke_disconnect_ms = droppedMs;

    const { errorPct, gap } = checkHttp(http.records, commands, { t, t0, trafficEnd, brokerBackS }, out);

    checkPresence(offlineSeen, { t, t0, trafficEnd, brokerBackS, brokerNotBack }, out);

    await checkDesired(sql, c.mqttUrl, boxes, edgeIds.filter((id) => id !== revoked.cred.edgeId), { watched: applied.size, wentBack: appliedWentBack, real: realBoxes.length }, out);

    await checkAlerts(sql, alertIds, realBoxes, realHamlets, out);

    figures.rss_mib = Object.fromEntries(c.clouds.map((cl, i) => [cl.spec.name, c.cloudRssMiB()[i]]));
    const result: FailoverResult = {
      lost,
      duplicated,
      http_error_pct: errorPct === null ? null : round(errorPct, 2),
      max_gap_ms: gap.ms,
      broker_back_s: brokerBackS === null ? null : round(brokerBackS),
      ok: checks.every((ch) => ch.ok === true),
      checks,
      figures,
    };
    return result;
  } finally {
    running = false;
    for (const timer of timers) clearInterval(timer);
    await Promise.all(boxes.map((b) => b.stop().catch(() => undefined)));
    await Promise.all(realBoxes.map((b) => b.stop().catch(() => undefined)));
    await db?.end().catch(() => undefined);
    await cluster?.stop();
  }
}
