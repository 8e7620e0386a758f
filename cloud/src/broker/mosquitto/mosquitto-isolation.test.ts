import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { saveCredentials, storeRotatedCredentials } from '../../../../edge/src/config.js';
import { provisionTestEdge, startTestEdge, type ProvisionedEdge } from '../../../../test-support/edge.js';
import { brokerArgs, mosquitto } from '../../../../test-support/mosquitto.js';
import { waitFor } from '../../../../test-support/wait.js';
import { startMosquitto, type TestMosquitto } from '../testing/mosquitto.js';

/*
 * What broker-access.test.ts proves on the embedded broker, proven again on a real Mosquitto 2
 * (Debian's, with dynamic security) whose accounts the cloud keeps: seen by the third-party
 * mosquitto clients, with a real cloud (SC_MQTT_URL + SC_MQTT_DYNSEC=1).
 */

/** What the edge daemon publishes on its availability topic (edge/src/link/mqtt-link.ts). */
const availabilityPayload = (state: 'online' | 'offline', ts: number) => JSON.stringify({ state, ts });

const secretOf = (edge: ProvisionedEdge) => (JSON.parse(readFileSync(join(edge.dataDir, 'credentials.json'), 'utf8')) as { password: string }).password;

describe('isolation of boxes on Mosquitto with the accounts the cloud keeps', () => {
  let broker: TestMosquitto;
  let test: TestCloud;
  let a: ProvisionedEdge;
  let b: ProvisionedEdge;
  const cloudConfig = () => ({
    SC_MQTT_URL: `mqtt://${broker.adminUsername}:${broker.adminPassword}@127.0.0.1:${broker.port}`,
    SC_MQTT_DYNSEC: '1' as const,
  });
  const as = (edge: ProvisionedEdge, password = secretOf(edge), clientId = edge.edgeId) => brokerArgs(broker.url, edge.edgeId, password, clientId);
  const asAdmin = () => brokerArgs(broker.url, broker.adminUsername, broker.adminPassword);
  const canConnect = async (edge: ProvisionedEdge) => (await mosquitto('mosquitto_pub', [...as(edge), '-t', topics.telemetry(edge.edgeId), '-m', '{}'])).code === 0;
  const retained = async (topic: string) => (await mosquitto('mosquitto_sub', [...asAdmin(), '-t', topic, '-C', '1', '-W', '3'])).stdout.trim();
  const clients = async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(broker.port), '-u', broker.adminUsername, '-P', broker.adminPassword, 'dynsec', 'listClients']);
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    if (code !== 0) throw new Error(`mosquitto_ctrl listClients failed: ${stderr}`);
    return stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  };

  beforeAll(async () => {
    broker = await startMosquitto();
    test = await startTestCloud(cloudConfig());
    a = await provisionTestEdge(test, 'ap-1');
    b = await provisionTestEdge(test, 'ap-2');
    // the claim's answer waits for the account (SC_MQTT_DYNSEC_WAIT_MS): no waiting here
    expect(await canConnect(a)).toBe(true);
    expect(await canConnect(b)).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
    await broker?.stop();
  });

  it('lets a claimed box in with its own secret and client id only; refuses anonymous clients and wrong secrets', async () => {
    expect(await canConnect(a)).toBe(true);
    const anonymous = await mosquitto('mosquitto_sub', [...brokerArgs(broker.url), '-t', '#', '-C', '1', '-W', '3']);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/not authori[sz]ed/i);
    const wrong = await mosquitto('mosquitto_pub', [...as(a, 'not-the-secret'), '-t', topics.telemetry(a.edgeId), '-m', '{}']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/not authori[sz]ed/i);
    const otherId = await mosquitto('mosquitto_pub', [...as(a, secretOf(a), 'someone-else'), '-t', topics.telemetry(a.edgeId), '-m', '{}']);
    expect(otherId.code).not.toBe(0);
    const othersSecret = await mosquitto('mosquitto_pub', [...as(a, secretOf(b)), '-t', topics.telemetry(a.edgeId), '-m', '{}']);
    expect(othersSecret.code).not.toBe(0);
  });

  it('lets a box in the first time it connects right after its claim, for many claims at once', async () => {
    // concurrent claims share the broker's batches; each answer still waits for its own account
    const boxes = await Promise.all(['ap-1', 'ap-2', 'ap-1', 'ap-2', 'ap-1'].map((hamlet, i) => provisionTestEdge(test, hamlet, `Tủ nhanh ${i}`)));
    for (const box of boxes) {
      const first = await mosquitto('mosquitto_pub', [...as(box), '-t', topics.telemetry(box.edgeId), '-m', '{}']);
      expect(first.code, `${box.edgeId}: ${first.stderr}`).toBe(0);
    }
    const waits = await test.api<string>('GET', '/metrics', undefined, null);
    expect(String(waits.body)).toMatch(/sc_broker_account_waits_total\{event="claim",outcome="applied"\} ([7-9]|\d\d)/);
    const remove = await Promise.all(boxes.map((box) => test.api('DELETE', `/api/v1/edges/${box.edgeId}`)));
    expect(remove.every((r) => r.status < 300), JSON.stringify(remove.map((r) => r.status))).toBe(true);
  }, 30_000);

  it('lets a box read its own retained desired documents and the broadcast tree, and denies another box\'s subtree and the whole tree', async () => {
    const own = await mosquitto('mosquitto_sub', [...as(a), '-t', topics.desired(a.edgeId, 'config'), '-C', '1', '-W', '5']);
    expect(own.code, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout).body.telemetryIntervalS).toBeGreaterThan(0);
    for (const filter of [topics.edgeSubtree(b.edgeId), 'sc/v1/#', '#', 'sc/v1/edges/+/telemetry', '$CONTROL/dynamic-security/#']) {
      const denied = await mosquitto('mosquitto_sub', [...as(a), '-t', filter, '-C', '1', '-W', '2']);
      expect(denied.stdout, filter).toBe('');
      expect(denied.stderr + denied.stdout, filter).toMatch(/denied/i);
    }
    const broadcast = mosquitto('mosquitto_sub', [...as(a), '-t', topics.broadcast('probe'), '-C', '1', '-W', '5']);
    await new Promise((r) => setTimeout(r, 300));
    await test.cloud.broker.publish(topics.broadcast('probe'), 'to-all', { qos: 1, retain: false });
    expect((await broadcast).stdout.trim()).toBe('to-all');
  });

  it('drops what a box publishes outside its own edge → cloud topics, while its own publishes arrive', async () => {
    const seen: string[] = [];
    // the cloud's own retained documents arrive too: only what carries the intruder's marker counts
    const unsubscribe = await test.cloud.broker.subscribe('sc/v1/#', (topic, payload) => {
      if (payload.toString().includes('evt_intrusion00') || topic === topics.event(a.edgeId, 'probe')) seen.push(topic);
    });
    try {
      const attempts = [topics.event(b.edgeId, 'lifecycle'), topics.desired(a.edgeId, 'config'), topics.req(a.edgeId, 'ping'), topics.broadcast('forged'), 'sc/v1/other'];
      for (const topic of attempts) await mosquitto('mosquitto_pub', [...as(a), '-t', topic, '-q', '1', '-m', '{"eventId":"evt_intrusion00","ts":1,"body":{}}']);
      const own = await mosquitto('mosquitto_pub', [...as(a), '-t', topics.event(a.edgeId, 'probe'), '-q', '1', '-m', 'x']);
      expect(own.code).toBe(0);
      await waitFor(() => seen.includes(topics.event(a.edgeId, 'probe')), 'the box\'s own publish');
      await new Promise((r) => setTimeout(r, 200));
      for (const topic of attempts) expect(seen, topic).not.toContain(topic);
    } finally {
      await unsubscribe();
    }
  });

  it('closes a box\'s connection when it sends more than the payload cap (max_packet_size)', async () => {
    const big = join(a.dataDir, 'big.json');
    writeFileSync(big, 'x'.repeat(MAX_PAYLOAD_BYTES + 8192));
    const tooBig = await mosquitto('mosquitto_pub', [...as(a), '-t', topics.event(a.edgeId, 'probe'), '-q', '1', '-f', big]);
    expect(tooBig.code).not.toBe(0);
    writeFileSync(big, 'x'.repeat(MAX_PAYLOAD_BYTES - 1024));
    const fits = await mosquitto('mosquitto_pub', [...as(a), '-t', topics.event(a.edgeId, 'probe'), '-q', '1', '-f', big]);
    expect(fits.code, fits.stderr).toBe(0);
  });

  it('keeps a box\'s will: availability is "offline", retained, after its client is killed with SIGKILL', async () => {
    const availability = topics.availability(b.edgeId);
    const offline = availabilityPayload('offline', Date.now());
    const online = await mosquitto('mosquitto_pub', [...as(b), '-t', availability, '-r', '-q', '1', '-m', availabilityPayload('online', Date.now())]);
    expect(online.code).toBe(0);
    const child = spawn('mosquitto_sub', ['-V', 'mqttv311', ...as(b), '-t', topics.desired(b.edgeId, '+'), '--will-topic', availability, '--will-payload', offline, '--will-qos', '1', '--will-retain', '-k', '5']);
    await waitFor(() => retained(availability).then((p) => p.includes('"online"')), 'the box announced online');
    await new Promise((r) => setTimeout(r, 300)); // connected and subscribed
    child.kill('SIGKILL');
    await waitFor(async () => (await retained(availability)) === offline, 'the will published retained', 5_000);
  });

  it('applies a live rotation at once: the box logs in again with its new secret, the old one is refused', async () => {
    const edge = await startTestEdge(b.dataDir);
    try {
      await waitFor(async () => (await test.api('GET', `/api/v1/edges/${b.edgeId}`)).body.online === true, 'the box online', 10_000);
      const before = secretOf(b);
      const rotated = await test.api('POST', `/api/v1/edges/${b.edgeId}/rotate`);
      expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
      expect(rotated.body.mode).toBe('live');
      expect(secretOf(b)).not.toBe(before);
      // the answer came after the broker took the new secret: it is accepted at once
      expect(await canConnect(b)).toBe(true);
      // the broker dropped the daemon's connection (new password): it comes back with the new secret
      await waitFor(() => edge.link.reconnects > 0 && edge.link.connected, 'the daemon reconnected with its new secret', 10_000);
      // another client id: taking the daemon's would only kick it
      const old = await mosquitto('mosquitto_pub', [...as(b, before, 'probe-old'), '-t', topics.telemetry(b.edgeId), '-m', '{}']);
      expect(old.code).not.toBe(0);
      expect(old.stderr).toMatch(/not authori[sz]ed/i);
    } finally {
      await edge.stop();
    }
    expect(await canConnect(b)).toBe(true);
  }, 30_000);

  it('never locks a box out when the rotation\'s acknowledgement is lost: the box falls back to its previous secret', async () => {
    // the box stored a new secret (as its rotate-credentials handler does) but the cloud never heard
    // its answer: the cloud keeps it pending and Mosquitto keeps the current secret
    const current = secretOf(b);
    storeRotatedCredentials(b.dataDir, { username: b.edgeId, password: 'a-new-secret-the-cloud-never-confirmed' });
    const edge = await startTestEdge(b.dataDir);
    try {
      await waitFor(() => edge.link.connected, 'the daemon logged in with its previous secret after the refusal', 10_000);
      expect(edge.link.reconnects).toBeGreaterThan(0);
    } finally {
      await edge.stop();
      saveCredentials(b.dataDir, { username: b.edgeId, password: current });
    }
  }, 30_000);

  it('kicks a revoked box at once and refuses it afterwards', async () => {
    const child = spawn('mosquitto_sub', ['-V', 'mqttv311', ...as(a), '-t', topics.desired(a.edgeId, '+')]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode).toBeNull(); // connected and waiting
    const secret = secretOf(a);
    const started = Date.now();
    expect((await test.api('POST', `/api/v1/edges/${a.edgeId}/revoke`)).status).toBe(200);
    // kicked, then its reconnection refused: mosquitto_sub gives up
    const code = await Promise.race([exited, new Promise<'still connected'>((r) => setTimeout(() => r('still connected'), 3_000))]);
    if (code === 'still connected') child.kill('SIGKILL');
    expect(code).not.toBe('still connected');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(stderr).toMatch(/not authori[sz]ed/i);
    const again = await mosquitto('mosquitto_pub', [...as(a, secret), '-t', topics.telemetry(a.edgeId), '-m', '{}']);
    expect(again.code).not.toBe(0);
  });

  it('recreates the accounts when the broker lost them, and publishes the retained documents again', async () => {
    await broker.restart({ emptyDynsec: true });
    // the cloud's admin connection comes back and reconciles: b (active) is back, a (revoked) is not
    await waitFor(() => canConnect(b), 'b accepted again after the reconcile', 15_000);
    expect(await canConnect(a)).toBe(false);
    const doc = await mosquitto('mosquitto_sub', [...as(b), '-t', topics.desired(b.edgeId, 'config'), '-C', '1', '-W', '5']);
    expect(doc.code).toBe(0);
  }, 30_000);

  it('reconciles at start after the cloud was down: lost accounts created, extra accounts disabled, deletion removes the account', async () => {
    await test.stop({ keepData: true });
    await broker.restart({ emptyDynsec: true });
    // someone made an account while the cloud was away
    const made = await mosquitto('mosquitto_pub', [...asAdmin(), '-t', '$CONTROL/dynamic-security/v1', '-q', '1', '-m', JSON.stringify({ commands: [{ command: 'createClient', username: 'intruder', password: 'pw' }] })]);
    expect(made.code).toBe(0);
    await waitFor(async () => (await clients()).includes('intruder'), 'the extra account exists');
    expect(await canConnect(b)).toBe(false);

    test = await startTestCloud(cloudConfig(), test.dataDir);
    // the start itself reconciled: no waiting
    expect(await canConnect(b)).toBe(true);
    const intruder = await mosquitto('mosquitto_pub', [...brokerArgs(broker.url, 'intruder', 'pw'), '-t', 'sc/v1/x', '-m', 'x']);
    expect(intruder.code).not.toBe(0);
    expect(await retained(topics.desired(b.edgeId, 'config'))).toContain('telemetryIntervalS');

    expect((await test.api('DELETE', `/api/v1/edges/${b.edgeId}`)).status).toBeLessThan(300);
    await waitFor(async () => !(await clients()).includes(b.edgeId), 'the deleted box\'s account removed');
    expect(await canConnect(b)).toBe(false);
  }, 60_000);
});
