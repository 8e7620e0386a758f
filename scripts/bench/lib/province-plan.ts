/**
 * The province's fan-out, measured on a real cloud process (cloud/dist/cli.js, fresh data dir): one
 * province-wide programme POSTed by the province's administrator, and one province alert, each timed
 * from the POST until every box's plan (`desired/schedule`) names it. The province's communes, hamlets
 * and active boxes are written into the cloud's database (boxes need no daemon: what is measured is the
 * cloud compiling, storing and publishing plans); one MQTT subscriber with the cloud's service
 * credential receives every plan. Used by scripts/bench/province-plan and scripts/bench/province.
 */
import Database from 'better-sqlite3';
import { connect, type MqttClient } from 'mqtt';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { newId } from '../../../shared/src/index.js';
import { builtCloudCli, removeCloudData, servicePasswordOf, startCloudProcess, tailOf } from './fleet/cloud-process.js';
import { HOST, percentile, round, sleep } from './fleet/common.js';

const HAMLETS_PER_COMMUNE = 9;

export interface PlanFigures {
  communes: number;
  edges: number;
  post_ms: number | null;
  plan_p50_ms: number | null;
  plan_p99_ms: number | null;
  plan_max_ms: number | null;
  /** Only with `alert`: from the alert's POST (its speech synthesis included) until each box's plan names it. */
  alert_post_ms?: number | null;
  alert_p50_ms?: number | null;
  alert_p99_ms?: number | null;
}

/** Writes N − 1 communes besides the seeded one (Vị Tân), nine hamlets each, an active box in every hamlet. */
function seedProvince(file: string, communes: number): string[] {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  const now = Date.now();
  const edgeIds: string[] = [];
  try {
    db.transaction(() => {
      const commune = db.prepare('INSERT INTO communes (code, name, district, province, created_at) VALUES (?, ?, ?, ?, ?)');
      const hamlet = db.prepare('INSERT INTO hamlets (code, commune_code, name, position) VALUES (?, ?, ?, ?)');
      const edge = db.prepare("INSERT INTO edges (id, name, hamlet_code, status, claimed_at, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?, ?)");
      const hamlets = db.prepare('SELECT code FROM hamlets ORDER BY position').pluck().all() as string[];
      for (let c = 1; c < communes; c++) {
        const code = `bench-${String(c).padStart(3, '0')}`;
        commune.run(code, `Xã thử ${c}`, 'Huyện thử', 'Tỉnh thử', now);
        for (let h = 0; h < HAMLETS_PER_COMMUNE; h++) {
          hamlet.run(`${code}-${h + 1}`, code, `Ấp ${h + 1}`, h);
          hamlets.push(`${code}-${h + 1}`);
        }
      }
      for (const code of hamlets) {
        const id = newId('edg');
        edge.run(id, `Tủ ${code}`, code, now, now, now);
        edgeIds.push(id);
      }
      // a province bulletin (its audio is never fetched here: plans carry its metadata only)
      db.prepare("INSERT INTO audio_assets (sha256, bytes, duration_ms, mime, created_at) VALUES (?, 1000, 60000, 'audio/ogg', ?)").run('a'.repeat(64), now);
      db.prepare("INSERT INTO bulletins (id, title, kind, asset_sha256, duration_ms, loudness_lufs, true_peak_dbtp, created_at) VALUES ('bul_bench', 'Bản tin của tỉnh', 'upload', ?, 60000, -16, -1.5, ?)").run('a'.repeat(64), now);
    })();
  } finally {
    db.close();
  }
  return edgeIds;
}

/** Every box's plans as they arrive; `until(id)` times the first plan of each box naming `id`. */
function planWatcher(subscriber: MqttClient) {
  const firstPlans = new Set<string>();
  let watching: { text: string; arrivals: Map<string, number> } | null = null;
  subscriber.on('message', (topic, payload) => {
    const edgeId = topic.split('/')[3]!;
    firstPlans.add(edgeId);
    if (watching && !watching.arrivals.has(edgeId) && payload.includes(watching.text)) watching.arrivals.set(edgeId, performance.now());
  });
  return {
    firstPlans,
    /** Records the plans naming `text` (a prefix such as `sch_` before the id is known, then the id: the same arrivals). */
    watch(text: string): Map<string, number> {
      const arrivals = watching?.arrivals ?? new Map<string, number>();
      watching = { text, arrivals };
      return arrivals;
    },
    stop() {
      watching = null;
    },
  };
}

async function waitForAll(arrivals: { size: number }, total: number, what: string): Promise<void> {
  for (let i = 0; arrivals.size < total; i++) {
    if (i > 6000) throw new Error(`only ${arrivals.size} of ${total} boxes got ${what} within 60 s`);
    await sleep(10);
  }
}

/** One province programme (and with `alert`, one province alert) to every box of N communes. */
export async function measureProvincePlan(options: { communes: number; alert?: boolean }): Promise<PlanFigures> {
  const { communes } = options;
  const cloud = await startCloudProcess(builtCloudCli());
  const base = `http://${HOST}:${cloud.httpPort}`;
  try {
    for (let i = 0; ; i++) {
      if (cloud.exit()) throw new Error(`the cloud ${cloud.exit()}:\n${tailOf(cloud.logPath, 20)}`);
      if (await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)) break;
      if (i > 300) throw new Error('the cloud did not answer /healthz within 30 s');
      await sleep(100);
    }
    const edgeIds = seedProvince(join(cloud.dataDir, 'cloud.db'), communes);
    console.log(`province: ${communes} communes, ${edgeIds.length} boxes`);

    const subscriber = connect(`mqtt://${HOST}:${cloud.mqttPort}`, { protocolVersion: 4, clientId: `bench-plan-${process.pid}`, username: 'sc-cloud', password: servicePasswordOf(cloud), reconnectPeriod: 0 });
    const plans = planWatcher(subscriber);
    await new Promise<void>((resolve, reject) => {
      subscriber.once('error', reject);
      subscriber.once('connect', () => subscriber.subscribe('sc/v1/edges/+/desired/schedule', { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    });
    try {
      // the radio's periodic check sees the new boxes and gives each its first (empty) plan
      await waitForAll(plans.firstPlans, edgeIds.length, 'a first plan');

      const login = await fetch(`${base}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: cloud.adminPassword }) });
      const { token } = (await login.json()) as { token: string };
      const post = async (path: string, body: unknown) => {
        const started = performance.now();
        const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
        const answered = performance.now();
        if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
        return { started, answered, id: ((await res.json()) as { id: string }).id };
      };

      const startsLocal = DateTime.now().setZone('Asia/Ho_Chi_Minh').plus({ hours: 2 }).startOf('minute').toFormat("yyyy-MM-dd'T'HH:mm");
      plans.watch('sch_');
      const programme = await post('/api/v1/schedules', { title: 'Chương trình toàn tỉnh', source: { kind: 'bulletin', bulletinId: 'bul_bench' }, startsLocal, rrule: 'FREQ=DAILY', targets: { all: true }, communeCode: null });
      const planArrivals = plans.watch(programme.id);
      await waitForAll(planArrivals, edgeIds.length, 'the programme');
      const delays = [...planArrivals.values()].map((t) => t - programme.started);
      const figures: PlanFigures = {
        communes,
        edges: edgeIds.length,
        post_ms: round(programme.answered - programme.started),
        plan_p50_ms: round(percentile(delays, 50)),
        plan_p99_ms: round(percentile(delays, 99)),
        plan_max_ms: round(Math.max(...delays)),
      };
      console.log(`programme: POST answered in ${figures.post_ms} ms; new plan on every box: p50 ${figures.plan_p50_ms} ms, p99 ${figures.plan_p99_ms} ms, max ${figures.plan_max_ms} ms`);

      if (options.alert) {
        plans.stop(); // the programme's arrivals are done: the alert's start afresh
        plans.watch('alr_');
        const alert = await post('/api/v1/alerts', { text: 'Đây là bản tin cảnh báo thử của tỉnh.', severity: 'severe', kind: 'flood', targets: { all: true }, repeatEveryMinutes: null, expiresAt: Date.now() + 3600_000 });
        const alertArrivals = plans.watch(alert.id);
        await waitForAll(alertArrivals, edgeIds.length, 'the alert');
        const alertDelays = [...alertArrivals.values()].map((t) => t - alert.started);
        figures.alert_post_ms = round(alert.answered - alert.started);
        figures.alert_p50_ms = round(percentile(alertDelays, 50));
        figures.alert_p99_ms = round(percentile(alertDelays, 99));
        console.log(`alert: POST answered in ${figures.alert_post_ms} ms (speech included); on every box's plan: p50 ${figures.alert_p50_ms} ms, p99 ${figures.alert_p99_ms} ms`);
      }
      return figures;
    } finally {
      plans.stop();
      subscriber.end(true);
    }
  } finally {
    await cloud.stop();
    removeCloudData(cloud);
  }
}
