/**
 * Rollout benchmark (issue 15): N simulated boxes (light MQTT clients as in scripts/bench/fleet, default
 * 200) and R real ones (default 3: the sc-edge daemon of this tree under the real sc-edge-supervisor, each
 * in a home of its own, each with a simulated IP loudspeaker of firmware-sim) receive a release through
 * the cloud in waves: the real boxes first, then W simulated ones, then the rest, each wave soaked S seconds.
 *
 * A long bulletin is scheduled on the real boxes' hamlets so that it is playing when the release reaches
 * them: a box switches only at a quiet moment (edge/src/update/quiet.ts), so it must wait for the end of
 * the bulletin, and its loudspeaker must hear the bulletin whole (`planned_item_cut`: false).
 * Then, from the loudspeaker's received audio, the time the loudspeaker is unavailable across the switch:
 * from the old daemon's `stopping` (it stops its radio) to the first sample the loudspeaker hears from the
 * new daemon, which the bench asks for with a test tone every 250 ms from the moment the old daemon hands
 * over to the supervisor (so the figure includes one tone's lead, 150 ms, and up to one retry interval).
 * Reports: the time from creating the rollout to every box running the new version; the bytes the cloud
 * sent per box; `audio_gap_ms`, the median over the real boxes of that loudspeaker gap (each box's in
 * `audio_gaps_ms`); `event_gap_ms`, the median time from the old daemon's `stopping` to the new one's
 * `started` (the box's own events, the previous figure); and whether a version that never reports
 * healthy, sent to one real box afterwards, was rolled back by that box alone with the rollout paused.
 * Ends with
 * `RESULT {"boxes":..,"rollout_s":..,"mb_per_box":..,"audio_gap_ms":..,"rolled_back_ok":true, …}`.
 *   scripts/bench/rollout [--boxes 200] [--real 3] [--bundle-mb 4] [--wave 50] [--soak 3]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateReleaseKeyPair } from '../../shared/src/index.js';
import { startTestCloud, type TestCloud } from '../../test-support/cloud.js';
import { writeTestBundle } from '../../test-support/release-bundle.js';
import { readJsonFile, writeJsonDurable } from '../../edge/src/supervisor/durable.js';
import { supervisorStateSchema } from '../../edge/src/supervisor/protocol.js';
import { DAEMON_ENTRY, NEVER_HEALTHY_ENTRY, startSupervisedBox, type SupervisedBox } from '../../test-support/supervised-box.js';
import { HAMLETS, round, type Cred } from './lib/fleet/common.js';
import { SimBox } from './lib/rollout/sim-box.js';
import { startSimSpeaker, type SimSpeaker } from '../../firmware-sim/src/speakers/index.js';
import { COMMUNE_TIME_ZONE } from '../../shared/src/index.js';
import { DateTime } from 'luxon';

const { values } = parseArgs({
  options: {
    boxes: { type: 'string', default: '200' },
    real: { type: 'string', default: '3' },
    'bundle-mb': { type: 'string', default: '4' },
    wave: { type: 'string', default: '50' },
    soak: { type: 'string', default: '3' },
  },
});
const SIMS = Number(values.boxes);
const REAL = Number(values.real);
const BUNDLE_MB = Number(values['bundle-mb']);
const WAVE = Number(values.wave);
const SOAK_S = Number(values.soak);
const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const localTime = (ms: number) => DateTime.fromMillis(ms, { zone: COMMUNE_TIME_ZONE }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
/** About 25 s of speech: long enough to be playing when the release reaches the real boxes. */
const LONG_TEXT = Array.from({ length: 3 }, (_, i) => `Thông báo số ${i + 1}: ngày mai, ủy ban nhân dân xã tổ chức tiêm phòng cho trẻ em tại trạm y tế xã từ bảy giờ sáng.`).join(' ');

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'sc-bench-rollout-'));
  const key = generateReleaseKeyPair();
  const result: Record<string, unknown> = { boxes: SIMS + REAL, rollout_s: null, mb_per_box: null, audio_gap_ms: null, rolled_back_ok: false };
  let test: TestCloud | null = null;
  const real: SupervisedBox[] = [];
  const sims: SimBox[] = [];
  const speakers: SimSpeaker[] = [];
  try {
    test = await startTestCloud({ SC_ROLLOUT_TICK_MS: 250, SC_TELEMETRY_INTERVAL_S: 5, SC_MQTT_MAX_UNAUTHENTICATED_PER_ADDRESS: 100_000, SC_MQTT_RATE_PER_S: 50 });
    const cloud = test;
    writeJsonDurable(join(cloud.dataDir, 'keys', 'release-keys.json'), { format: 1, sequence: 0, keys: [key.publicKey] });
    const build = async (version: string, entry: string, bytes: number) => {
      const file = join(work, `${version}.tar`);
      await writeTestBundle(file, { version, arch: ARCH, privateKeyPem: key.privateKeyPem, files: { 'dist/cli.js': entry, 'ballast.bin': Buffer.alloc(bytes, 5) } });
      const res = await fetch(`${cloud.cloud.httpUrl}/api/v1/releases`, { method: 'POST', headers: { authorization: `Bearer ${cloud.adminToken}` }, body: readFileSync(file) });
      if (res.status !== 201) throw new Error(`upload of ${version}: ${res.status} ${await res.text()}`);
      return file;
    };
    const first = await build('1.0.0', DAEMON_ENTRY, 1024);
    await build('1.1.0', DAEMON_ENTRY, BUNDLE_MB * 1024 * 1024);
    await build('1.2.0', NEVER_HEALTHY_ENTRY, 1024);

    log(`[setup] ${REAL} real boxes under the supervisor, ${SIMS} simulated boxes`);
    // the real boxes alone in their hamlets, so they are the first wave (boxes are taken in hamlet order)
    const simHamlet = (i: number) => (REAL < HAMLETS.length ? HAMLETS[REAL + (i % (HAMLETS.length - REAL))]! : HAMLETS[i % HAMLETS.length]!);
    for (let i = 0; i < REAL; i++) {
      // named to sort first in their hamlets: the rollout's first wave
      real.push(await startSupervisedBox({ cloudUrl: cloud.cloud.httpUrl, adminToken: cloud.adminToken, hamletCode: HAMLETS[i % HAMLETS.length]!, name: `A thật ${i + 1}`, publicKeys: [key.publicKey], firstBundle: first, firstVersion: '1.0.0', healthTimeoutS: 15 }));
    }
    for (let i = 0; i < SIMS; i++) {
      const created = await cloud.api<{ id: string }>('POST', '/api/v1/edges', { name: `Tủ mô phỏng ${String(i + 1).padStart(4, '0')}`, hamletCode: simHamlet(i) });
      const token = await cloud.api<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
      const claim = await cloud.api<{ mqtt: { url: string; username: string; password: string } }>('POST', '/api/v1/provision/claim', { token: token.body.token }, null);
      const cred: Cred = { edgeId: created.body.id, username: claim.body.mqtt.username, password: claim.body.mqtt.password };
      const sim = new SimBox(cred, claim.body.mqtt.url, cloud.cloud.httpUrl, '1.0.0', 1000);
      await sim.connect();
      sims.push(sim);
    }
    const version = async (edgeId: string) => (await cloud.cloud.fleet.edges.find(edgeId))?.telemetry?.softwareVersion;
    await until('the real boxes running 1.0.0', async () => (await Promise.all(real.map((b) => version(b.edgeId)))).every((v) => v === '1.0.0'), 90_000);

    // each real box gets a simulated IP loudspeaker
    for (const box of real) {
      const speaker = await startSimSpeaker({});
      speakers.push(speaker);
      const config = await cloud.api('PUT', `/api/v1/edges/${box.edgeId}/config`, {
        telemetryIntervalS: 5,
        radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
      });
      await until(`${box.edgeId}'s loudspeaker configured`, async () => (await cloud.api('GET', `/api/v1/edges/${box.edgeId}/config`)).body.reported?.version === config.body.version, 30_000);
    }
    // a long bulletin on their hamlets, playing when the release reaches them
    const bulletin = await cloud.api('POST', '/api/v1/bulletins', { title: 'Thông báo tiêm phòng (dài)', text: LONG_TEXT, voice: 'vi-vn-x-south' });
    if (bulletin.status !== 201) throw new Error(`bulletin: ${bulletin.status} ${JSON.stringify(bulletin.body)}`);
    const bulletinMs = bulletin.body.durationMs as number;
    const playAt = Math.ceil((Date.now() + 6000) / 1000) * 1000;
    const hamlets = [...new Set(real.map((_, i) => HAMLETS[i % HAMLETS.length]!))];
    const schedule = await cloud.api('POST', '/api/v1/schedules', { title: 'Tiêm phòng', source: { kind: 'bulletin', bulletinId: bulletin.body.id }, startsLocal: localTime(playAt), targets: { hamlets } });
    if (schedule.status !== 201) throw new Error(`schedule: ${schedule.status} ${JSON.stringify(schedule.body)}`);
    log(`[audio] a ${(bulletinMs / 1000).toFixed(1)} s bulletin plays on the real boxes' loudspeakers from ${new Date(playAt).toISOString()}`);
    await until('the bulletin heard on every real loudspeaker', () => speakers.every((s) => s.status().items.some((i) => i.firstSampleAt !== null)), 60_000, 100);
    // a box may not switch while the bulletin plays: ask for a tone from the moment each one starts switching
    const probes = real.map((box, i) => probeAfterSwitch(cloud, box, speakers[i]!));

    const sentBefore = Number(/sc_release_bundle_bytes_sent_total (\d+)/.exec(await (await fetch(`${cloud.cloud.httpUrl}/metrics`)).text())?.[1] ?? 0);
    const t0 = Date.now();
    const created = await cloud.api('POST', '/api/v1/rollouts', { version: '1.1.0', scope: { kind: 'commune' }, waves: [REAL, WAVE].filter((w) => w > 0), soakS: SOAK_S, failureThreshold: 0.05 });
    if (created.status !== 201) throw new Error(`rollout: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id as string;
    let lastLine = '';
    const done = await until(
      'the rollout to complete',
      async () => {
        const r = (await cloud.api('GET', `/api/v1/rollouts/${id}`)).body;
        const steps = Object.entries(r.counts as Record<string, number>).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
        const line = `[rollout] wave ${r.wave + 1}/${r.waveCount}, ${r.counts.healthy}/${r.total} healthy, ${r.counts.failed + r.counts.rolled_back} failed, state ${r.state} (${steps})`;
        if (line !== lastLine) log(`${((Date.now() - t0) / 1000).toFixed(0)} s ${(lastLine = line)}`);
        if (r.state === 'paused') throw new Error(`the rollout paused: ${r.pausedReason}`);
        return r.state === 'completed' ? r : null;
      },
      20 * 60_000,
      500,
    );
    const rolloutS = (Date.now() - t0) / 1000;
    const sent = Number(/sc_release_bundle_bytes_sent_total (\d+)/.exec(await (await fetch(`${cloud.cloud.httpUrl}/metrics`)).text())?.[1] ?? 0) - sentBefore;
    result.rollout_s = round(rolloutS);
    result.mb_per_box = round(sent / done.total / 1048576, 2);
    log(`[rollout] ${done.total} boxes on 1.1.0 in ${rolloutS.toFixed(1)} s; the cloud sent ${(sent / 1048576).toFixed(1)} MiB (${(sent / done.total / 1048576).toFixed(2)} MiB a box, the bundle is ${BUNDLE_MB} MiB)`);

    // each real box: its old daemon's `stopping` and new one's `started` (the box's clock: this machine's)
    const lifecycle = await Promise.all(
      real.map(async (box) => {
        const events = await lifecycleOf(cloud, box.edgeId);
        const started = events.find((e) => e.body.phase === 'started' && e.body.softwareVersion === '1.1.0');
        return { stopping: await stoppingAt(cloud, box.edgeId, '1.0.0'), started: started?.ts ?? null };
      }),
    );
    const eventGaps = lifecycle.map((l) => (l.stopping !== null && l.started !== null ? l.started - l.stopping : null));
    // the loudspeaker: from the old daemon's stop to the first sample it hears from the new one
    const heard = await Promise.all(probes);
    const audioGaps = heard.map((firstSampleAt, i) => (firstSampleAt !== null && lifecycle[i]!.stopping !== null ? Math.round(firstSampleAt - lifecycle[i]!.stopping!) : null));
    // the planned item: heard as one item, whole (the switch waited for its end)
    const cut = speakers.map((speaker) => {
      const item = speaker.status().items.find((i) => i.firstSampleAt !== null);
      return !item || item.lost > 0 || item.durationMs < bulletinMs - 500;
    });
    log(`[switch] loudspeaker unavailable while switching: ${audioGaps.map((g) => (g === null ? 'n/a' : `${g} ms`)).join(', ')} (target ≤ 5000 ms); daemon stopping → started: ${eventGaps.map((g) => (g === null ? 'n/a' : `${g} ms`)).join(', ')}`);
    log(`[switch] the bulletin playing when the release arrived was heard whole on ${cut.filter((c) => !c).length}/${cut.length} loudspeakers`);
    const measured = audioGaps.filter((g): g is number => g !== null);
    result.audio_gap_ms = measured.length === real.length ? median(measured) : null;
    result.audio_gaps_ms = audioGaps;
    result.event_gap_ms = median(eventGaps.filter((g): g is number => g !== null));
    result.planned_item_cut = cut.some(Boolean);

    // a version that never reports healthy, to one real box: the box must go back alone and the rollout pause
    if (real.length) {
      const bad = await cloud.api('POST', '/api/v1/rollouts', { version: '1.2.0', scope: { kind: 'edges', edgeIds: [real[0]!.edgeId] }, soakS: 1 });
      const paused = await until('the bad rollout to pause', async () => {
        const r = (await cloud.api('GET', `/api/v1/rollouts/${bad.body.id}`)).body;
        return r.state === 'paused' ? r : null;
      }, 120_000, 500);
      const back = await until('the box back on 1.1.0', async () => (await version(real[0]!.edgeId)) === '1.1.0', 60_000).catch(() => false);
      result.rolled_back_ok = paused.boxes[0].state === 'rolled_back' && back === true;
      log(`[rollback] 1.2.0 on ${real[0]!.edgeId}: ${paused.boxes[0].state} (${paused.boxes[0].reason}); rollout paused: ${paused.pausedReason}`);
    }
    const simErrors = sims.flatMap((s) => s.errors);
    if (simErrors.length) log(`[sim] ${simErrors.length} simulated box errors, e.g. ${simErrors[0]}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  } finally {
    await Promise.all(sims.map((s) => s.stop()));
    await Promise.all(real.map((b) => b.stop()));
    await Promise.all(speakers.map((s) => s.close()));
    await test?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`RESULT ${JSON.stringify(result)}`);
}

/** A box's lifecycle events the cloud has stored, once what it received so far is stored. */
async function lifecycleOf(cloud: TestCloud, edgeId: string) {
  await cloud.cloud.fleet.events.settled();
  return (await cloud.cloud.fleet.events.list(edgeId, 500)).filter((e) => e.kind === 'lifecycle') as { ts: number; body: { phase: string; softwareVersion: string } }[];
}

/** The old daemon's `stopping` lifecycle event (box clock: this machine's), once the cloud has it. */
async function stoppingAt(cloud: TestCloud, edgeId: string, oldVersion: string): Promise<number | null> {
  const events = await lifecycleOf(cloud, edgeId);
  return events.find((e) => e.body.phase === 'stopping' && e.body.softwareVersion === oldVersion)?.ts ?? null;
}

/**
 * Waits until the box's daemon has handed over to its supervisor (supervisor/switch-request.json written:
 * past its last quiet check, so a tone cannot hold the switch back), then asks for a short test tone
 * every 250 ms until the loudspeaker hears one that started after the old daemon stopped. Returns the
 * wall-clock time of that tone's first sample, or null.
 */
async function probeAfterSwitch(cloud: TestCloud, box: SupervisedBox, speaker: SimSpeaker): Promise<number | null> {
  const handedOver = () => existsSync(box.layout.switchRequest) || readJsonFile(box.layout.state, supervisorStateSchema)?.trial != null;
  await until(`${box.edgeId} handing over to its supervisor`, handedOver, 10 * 60_000, 20);
  const before = new Set(speaker.status().items.map((i) => i.index));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const stopping = await stoppingAt(cloud, box.edgeId, '1.0.0');
    const tone = stopping === null ? null : speaker.status().items.find((i) => !before.has(i.index) && i.firstSampleAt !== null && i.firstSampleAt > stopping);
    if (tone) return tone.firstSampleAt;
    // not awaited: an offline box answers 409 at once, a box going down times out; the next try goes anyway
    void cloud.api('POST', `/api/v1/edges/${box.edgeId}/test-tone`, { durationMs: 300, frequencyHz: 1000, volume: 50 }).catch(() => undefined);
    await sleep(250);
  }
  return null;
}

void main();
