/**
 * Rollout benchmark (issue 15): N simulated boxes (light MQTT clients as in scripts/bench/fleet, default
 * 200) and R real ones (default 3: the sc-edge daemon of this tree under the real sc-edge-supervisor, each
 * in a home of its own) receive a release through the cloud in waves: the real boxes first, then W
 * simulated ones, then the rest, each wave soaked S seconds.
 * Reports: the time from creating the rollout to every box running the new version; the bytes the cloud
 * sent per box; the longest time a real box could not play during its switch (from the old daemon's
 * `stopping` to the new one's `started`, both as the box recorded them: its radio is stopped at the first
 * and configured from the stored documents before the second); and whether a version that never reports
 * healthy, sent to one real box afterwards, was rolled back by that box alone with the rollout paused.
 * No planned item is scheduled, so every switch finds its quiet moment at once (waiting for one is tested
 * in edge/src/update). Ends with
 * `RESULT {"boxes":..,"rollout_s":..,"mb_per_box":..,"audio_gap_ms":..,"rolled_back_ok":true}`.
 *   scripts/bench/rollout [--boxes 200] [--real 3] [--bundle-mb 4] [--wave 50] [--soak 3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateReleaseKeyPair } from '../../shared/src/index.js';
import { startTestCloud, type TestCloud } from '../../test-support/cloud.js';
import { writeTestBundle } from '../../test-support/release-bundle.js';
import { writeJsonDurable } from '../../edge/src/supervisor/durable.js';
import { DAEMON_ENTRY, NEVER_HEALTHY_ENTRY, startSupervisedBox, type SupervisedBox } from '../../test-support/supervised-box.js';
import { HAMLETS, round, type Cred } from './lib/fleet/common.js';
import { SimBox } from './lib/rollout/sim-box.js';

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

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'sc-bench-rollout-'));
  const key = generateReleaseKeyPair();
  const result: Record<string, unknown> = { boxes: SIMS + REAL, rollout_s: null, mb_per_box: null, audio_gap_ms: null, rolled_back_ok: false };
  let test: TestCloud | null = null;
  const real: SupervisedBox[] = [];
  const sims: SimBox[] = [];
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
    for (let i = 0; i < REAL; i++) {
      // named to sort first in their hamlets: the rollout's first wave
      real.push(await startSupervisedBox({ cloudUrl: cloud.cloud.httpUrl, adminToken: cloud.adminToken, hamletCode: HAMLETS[i % HAMLETS.length]!, name: `A thật ${i + 1}`, publicKeys: [key.publicKey], firstBundle: first, firstVersion: '1.0.0', healthTimeoutS: 15 }));
    }
    for (let i = 0; i < SIMS; i++) {
      const created = await cloud.api<{ id: string }>('POST', '/api/v1/edges', { name: `Tủ mô phỏng ${String(i + 1).padStart(4, '0')}`, hamletCode: HAMLETS[i % HAMLETS.length] });
      const token = await cloud.api<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
      const claim = await cloud.api<{ mqtt: { url: string; username: string; password: string } }>('POST', '/api/v1/provision/claim', { token: token.body.token }, null);
      const cred: Cred = { edgeId: created.body.id, username: claim.body.mqtt.username, password: claim.body.mqtt.password };
      const sim = new SimBox(cred, claim.body.mqtt.url, cloud.cloud.httpUrl, '1.0.0', 1000);
      await sim.connect();
      sims.push(sim);
    }
    const version = (edgeId: string) => cloud.cloud.fleet.edges.find(edgeId)?.telemetry?.softwareVersion;
    await until('the real boxes running 1.0.0', () => real.every((b) => version(b.edgeId) === '1.0.0'), 90_000);

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
        const line = `[rollout] ${((Date.now() - t0) / 1000).toFixed(0)} s: wave ${r.wave + 1}/${r.waveCount}, ${r.counts.healthy}/${r.total} healthy, ${r.counts.failed + r.counts.rolled_back} failed, state ${r.state}`;
        if (line !== lastLine) log((lastLine = line));
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

    // each real box's silence: its old daemon's `stopping` to its new one's `started` (the box's own clock)
    const gaps = real.map((box) => {
      const events = cloud.cloud.fleet.events.list(box.edgeId, 500).filter((e) => e.kind === 'lifecycle') as { ts: number; body: { phase: string; softwareVersion: string } }[];
      const stopping = events.find((e) => e.body.phase === 'stopping' && e.body.softwareVersion === '1.0.0');
      const started = events.find((e) => e.body.phase === 'started' && e.body.softwareVersion === '1.1.0');
      return stopping && started ? started.ts - stopping.ts : null;
    });
    log(`[switch] real boxes unable to play while switching: ${gaps.map((g) => (g === null ? 'n/a' : `${g} ms`)).join(', ')} (target ≤ 5000 ms)`);
    const measured = gaps.filter((g): g is number => g !== null);
    result.audio_gap_ms = measured.length === real.length ? Math.max(...measured) : null;

    // a version that never reports healthy, to one real box: the box must go back alone and the rollout pause
    if (real.length) {
      const bad = await cloud.api('POST', '/api/v1/rollouts', { version: '1.2.0', scope: { kind: 'edges', edgeIds: [real[0]!.edgeId] }, soakS: 1 });
      const paused = await until('the bad rollout to pause', async () => {
        const r = (await cloud.api('GET', `/api/v1/rollouts/${bad.body.id}`)).body;
        return r.state === 'paused' ? r : null;
      }, 120_000, 500);
      const back = await until('the box back on 1.1.0', () => version(real[0]!.edgeId) === '1.1.0', 60_000).catch(() => false);
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
    await test?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`RESULT ${JSON.stringify(result)}`);
}

void main();
