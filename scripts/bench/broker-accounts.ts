/**
 * Cost of one Mosquitto role per box (issue 11: Mosquitto 2.0.11's dynamic security has no %u/%c
 * ACL patterns, so each box gets a role of its own). On Debian's Mosquitto with the plugin, started
 * by the tests' harness (cloud/src/broker/testing/mosquitto.ts), through the cloud's own code
 * (broker/mosquitto/: the admin client and MosquittoAccounts) with the boxes held in memory (the
 * database is not what is measured):
 *  1. reconcile on an empty broker creates N accounts (a role and a client each): time, commands/s;
 *  2. reconcile again on the in-step broker: time;
 *  3. one claim at N (upsert of a new box) and one revocation (disableClient): latency;
 *  4. Mosquitto's RSS before and after, and its restart time with N accounts (it reads its JSON);
 *  5. one box's connect latency (CONNECT → CONNACK, median of 30) with N roles and on a broker with 10.
 * Ends with `RESULT {"boxes":..,"create_s":..,"create_commands_per_s":..,"reconcile_in_step_ms":..,
 * "claim_ms":..,"revoke_ms":..,"rss_before_mb":..,"rss_after_mb":..,"restart_ms":..,"connect_ms_many":..,"connect_ms_few":..}`.
 *   scripts/bench/broker-accounts [--boxes 10000] [--batch 100]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectAsync } from 'mqtt';
import { silentLogger } from '../../shared/src/runtime/index.js';
import { MosquittoAccounts, type AccountSource } from '../../cloud/src/broker/mosquitto/box-accounts.js';
import { DynsecAdmin } from '../../cloud/src/broker/mosquitto/dynsec-client.js';
import { startMosquitto, type TestMosquitto } from '../../cloud/src/broker/testing/mosquitto.js';

const { values } = parseArgs({ options: { boxes: { type: 'string', default: '10000' }, batch: { type: 'string', default: '100' } } });
const N = Number(values.boxes);
const BATCH = Number(values.batch);
const log = (line: string) => console.log(line);

const rssMb = (pid: number) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : null;
};

function boxes(count: number, prefix: string) {
  return Array.from({ length: count }, (_, i) => ({ edgeId: `${prefix}${String(i).padStart(6, '0')}`, secret: randomBytes(24).toString('base64url') }));
}

function sourceOf(list: { edgeId: string; secret: string }[]): AccountSource {
  const byId = new Map(list.map((b) => [b.edgeId, b.secret]));
  return { activeAccounts: async () => list, secretOf: async (id) => byId.get(id) ?? null };
}

async function connectLatency(broker: TestMosquitto, box: { edgeId: string; secret: string }, times = 30): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const client = await connectAsync(broker.url, { username: box.edgeId, password: box.secret, clientId: box.edgeId, protocolVersion: 4, reconnectPeriod: 0 });
    samples.push(performance.now() - t0);
    await client.endAsync();
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(samples.length / 2)]! * 100) / 100;
}

async function withAccounts<T>(broker: TestMosquitto, list: { edgeId: string; secret: string }[], work: (accounts: MosquittoAccounts, admin: DynsecAdmin) => Promise<T>): Promise<T> {
  const admin = await DynsecAdmin.connect({ url: broker.url, username: broker.adminUsername, password: broker.adminPassword, logger: silentLogger(), batchSize: BATCH, timeoutMs: 120_000 });
  try {
    return await work(new MosquittoAccounts({ admin, source: sourceOf(list), keep: [broker.adminUsername], logger: silentLogger() }), admin);
  } finally {
    await admin.close();
  }
}

const many = await startMosquitto({ autosaveIntervalS: 1800 });
const few = await startMosquitto({ autosaveIntervalS: 1800 });
try {
  const fleet = boxes(N, 'edg_');
  const rssBefore = rssMb(many.pid());
  log(`Mosquitto ${many.url}: ${N} boxes, batches of ${BATCH} commands; RSS before ${rssBefore} MB`);

  const figures = await withAccounts(many, fleet, async (accounts) => {
    let t0 = performance.now();
    const created = await accounts.reconcile();
    const createS = (performance.now() - t0) / 1000;
    if (created.created !== N) throw new Error(`reconcile created ${created.created} accounts, not ${N}`);
    const commands = 2 * N; // a role and a client each
    log(`created ${N} accounts (${commands} commands) in ${createS.toFixed(1)} s: ${Math.round(commands / createS)} commands/s`);
    t0 = performance.now();
    const again = await accounts.reconcile();
    const inStepMs = performance.now() - t0;
    if (again.created !== 0 || again.disabled !== 0 || again.enabled !== 0) throw new Error(`the in-step reconcile changed something: ${JSON.stringify(again)}`);
    log(`reconcile of the in-step broker: ${Math.round(inStepMs)} ms`);
    const extra = boxes(1, 'edg_new_')[0]!;
    t0 = performance.now();
    await accounts.upsert(extra.edgeId, extra.secret);
    const claimMs = performance.now() - t0;
    t0 = performance.now();
    await accounts.disable(extra.edgeId);
    const revokeMs = performance.now() - t0;
    log(`one claim (role + client) at ${N}: ${claimMs.toFixed(1)} ms; one revocation: ${revokeMs.toFixed(1)} ms`);
    return { createS, commandsPerS: Math.round(commands / createS), inStepMs: Math.round(inStepMs), claimMs: Math.round(claimMs * 10) / 10, revokeMs: Math.round(revokeMs * 10) / 10 };
  });
  const rssAfter = rssMb(many.pid());
  log(`Mosquitto RSS with ${N} accounts: ${rssAfter} MB (${rssBefore} MB before)`);
  const connectMany = await connectLatency(many, fleet[Math.floor(N / 2)]!);

  let t0 = performance.now();
  await many.restart();
  const restartMs = Math.round(performance.now() - t0);
  log(`restart with ${N} accounts (stop, start, listening): ${restartMs} ms`);

  const small = boxes(10, 'edg_');
  await withAccounts(few, small, (accounts) => accounts.reconcile());
  const connectFew = await connectLatency(few, small[5]!);
  log(`one box's connect (CONNECT → CONNACK, median of 30): ${connectMany} ms with ${N} roles, ${connectFew} ms with 10`);

  log(
    `RESULT ${JSON.stringify({
      boxes: N,
      create_s: Math.round(figures.createS * 10) / 10,
      create_commands_per_s: figures.commandsPerS,
      reconcile_in_step_ms: figures.inStepMs,
      claim_ms: figures.claimMs,
      revoke_ms: figures.revokeMs,
      rss_before_mb: rssBefore,
      rss_after_mb: rssAfter,
      restart_ms: restartMs,
      connect_ms_many: connectMany,
      connect_ms_few: connectFew,
    })}`,
  );
} finally {
  await many.stop();
  await few.stop();
}
