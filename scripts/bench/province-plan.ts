/**
 * Province plan benchmark (issue 10): how long one province-wide programme takes to reach every box's
 * plan. The cloud runs as its own process (cloud/dist/cli.js, fresh data dir). The province's communes,
 * hamlets and active boxes are written into its database (boxes need no daemon: what is measured is the
 * cloud compiling, storing and publishing plans); one MQTT subscriber with the cloud's service
 * credential receives every `desired/schedule`. Figures: POST response time, and from the POST to each
 * box's new plan arriving (p50, p99, max). The next session's scripts/bench/province adds real data
 * volumes and the calendar and queue figures.
 *
 *   scripts/bench/province-plan [--communes N]
 */
import Database from 'better-sqlite3';
import { connect } from 'mqtt';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { newId } from '../../shared/src/index.js';
import { builtCloudCli, removeCloudData, servicePasswordOf, startCloudProcess, tailOf } from './lib/fleet/cloud-process.js';
import { HOST, percentile, round, sleep } from './lib/fleet/common.js';

const HAMLETS_PER_COMMUNE = 9;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new Error(`--${name} must be a whole number from 1 to 1000`);
  return value;
}

async function main(): Promise<void> {
  const communes = arg('communes', 50);
  const cloud = await startCloudProcess(builtCloudCli());
  const base = `http://${HOST}:${cloud.httpPort}`;
  try {
    for (let i = 0; ; i++) {
      if (cloud.exit()) throw new Error(`the cloud ${cloud.exit()}:\n${tailOf(cloud.logPath, 20)}`);
      if (await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)) break;
      if (i > 300) throw new Error('the cloud did not answer /healthz within 30 s');
      await sleep(100);
    }
    // the province: the seeded commune (Vị Tân) and N − 1 more, nine hamlets each, a box in every hamlet
    const db = new Database(join(cloud.dataDir, 'cloud.db'));
    db.pragma('busy_timeout = 5000');
    const now = Date.now();
    const edgeIds: string[] = [];
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
    db.close();
    console.log(`province: ${communes} communes, ${edgeIds.length} boxes`);

    const arrivals = new Map<string, number>();
    let watching: string | null = null;
    const subscriber = connect(`mqtt://${HOST}:${cloud.mqttPort}`, { protocolVersion: 4, clientId: `bench-plan-${process.pid}`, username: 'sc-cloud', password: servicePasswordOf(cloud), reconnectPeriod: 0 });
    const firstPlans = new Set<string>();
    subscriber.on('message', (topic, payload) => {
      const edgeId = topic.split('/')[3]!;
      firstPlans.add(edgeId);
      if (watching && !arrivals.has(edgeId) && payload.includes(watching)) arrivals.set(edgeId, performance.now());
    });
    await new Promise<void>((resolve, reject) => {
      subscriber.once('error', reject);
      subscriber.once('connect', () => subscriber.subscribe('sc/v1/edges/+/desired/schedule', { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    });
    // the radio's periodic check sees the new boxes and gives each its first (empty) plan
    for (let i = 0; firstPlans.size < edgeIds.length; i++) {
      if (i > 600) throw new Error(`only ${firstPlans.size} of ${edgeIds.length} boxes got a first plan within 60 s`);
      await sleep(100);
    }

    const token = ((await (await fetch(`${base}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: cloud.adminPassword }) })).json()) as { token: string }).token;
    const startsLocal = DateTime.now().setZone('Asia/Ho_Chi_Minh').plus({ hours: 2 }).startOf('minute').toFormat("yyyy-MM-dd'T'HH:mm");
    const body = { title: 'Chương trình toàn tỉnh', source: { kind: 'bulletin', bulletinId: 'bul_bench' }, startsLocal, rrule: 'FREQ=DAILY', targets: { all: true }, communeCode: null };
    const posted = performance.now();
    watching = 'sch_';
    const res = await fetch(`${base}/api/v1/schedules`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const answered = performance.now();
    if (res.status !== 201) throw new Error(`POST /api/v1/schedules answered ${res.status}: ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    watching = id;
    for (let i = 0; arrivals.size < edgeIds.length; i++) {
      if (i > 600) throw new Error(`only ${arrivals.size} of ${edgeIds.length} boxes got the programme within 60 s`);
      await sleep(10);
    }
    subscriber.end(true);
    const delays = [...arrivals.values()].map((t) => t - posted);
    const p50 = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    const max = Math.max(...delays);
    console.log(`POST answered in ${round(answered - posted)} ms; new plan on every box: p50 ${round(p50)} ms, p99 ${round(p99)} ms, max ${round(max)} ms`);
    console.log(`RESULT ${JSON.stringify({ communes, edges: edgeIds.length, post_ms: round(answered - posted), plan_p50_ms: round(p50), plan_p99_ms: round(p99), plan_max_ms: round(max) })}`);
  } finally {
    await cloud.stop();
    removeCloudData(cloud);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  console.log(`RESULT ${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}`);
  process.exit(1);
});
