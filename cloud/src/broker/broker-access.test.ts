import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, spawnEdgeCli, type ProvisionedEdge } from '../../../test-support/edge.js';
import { brokerArgs, mosquitto } from '../../../test-support/mosquitto.js';
import { waitFor } from '../../../test-support/wait.js';

const secretOf = (edge: ProvisionedEdge) => (JSON.parse(readFileSync(join(edge.dataDir, 'credentials.json'), 'utf8')) as { password: string }).password;

describe('broker access control, seen by a third-party client (mosquitto)', () => {
  let test: TestCloud;
  let a: ProvisionedEdge;
  let b: ProvisionedEdge;
  const asEdgeA = () => brokerArgs(test.cloud.mqttUrl, a.edgeId, secretOf(a), a.edgeId);

  beforeAll(async () => {
    test = await startTestCloud();
    a = await provisionTestEdge(test, 'ap-1');
    b = await provisionTestEdge(test, 'ap-2');
  });
  afterAll(() => test.stop());

  it('refuses anonymous connections and wrong passwords', async () => {
    const anonymous = await mosquitto('mosquitto_sub', [...brokerArgs(test.cloud.mqttUrl), '-t', '#', '-C', '1', '-W', '3']);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/bad user name or password/i);
    const wrong = await mosquitto('mosquitto_sub', [...brokerArgs(test.cloud.mqttUrl, a.edgeId, 'not-the-secret', a.edgeId), '-t', topics.edgeSubtree(a.edgeId), '-C', '1', '-W', '3']);
    expect(wrong.stderr).toMatch(/bad user name or password/i);
  });

  it('lets an edge read its own retained topics but denies another edge\'s subtree and the whole tree', async () => {
    await test.cloud.broker.publish(topics.desired(a.edgeId, 'config'), JSON.stringify({ version: 7, issuedAt: Date.now(), body: { telemetryIntervalS: 10 } }), { qos: 1, retain: true });
    const own = await mosquitto('mosquitto_sub', [...asEdgeA(), '-t', topics.desired(a.edgeId, '+'), '-C', '1', '-W', '5']);
    expect(own.code).toBe(0);
    expect(JSON.parse(own.stdout).version).toBe(7);

    for (const filter of [topics.edgeSubtree(b.edgeId), 'sc/v1/#', '#', 'sc/v1/edges/+/telemetry']) {
      const denied = await mosquitto('mosquitto_sub', [...asEdgeA(), '-t', filter, '-C', '1', '-W', '3']);
      expect(denied.stdout, filter).toBe('');
      expect(denied.stderr + denied.stdout, filter).toMatch(/denied/i);
    }
  });

  it('drops a publish into another edge\'s topics and disconnects the sender, while its own publishes arrive', async () => {
    const seen: string[] = [];
    const unsubscribe = await test.cloud.broker.subscribe('sc/v1/edges/#', (topic) => seen.push(topic));
    try {
      const foreign = topics.event(b.edgeId, 'lifecycle');
      const intrusion = await mosquitto('mosquitto_pub', [...asEdgeA(), '-t', foreign, '-q', '1', '-m', '{"eventId":"evt_intrusion00","ts":1,"body":{}}']);
      expect(intrusion.code).not.toBe(0);
      const forged = await mosquitto('mosquitto_pub', [...asEdgeA(), '-t', topics.desired(a.edgeId, 'config'), '-q', '1', '-m', '{}']);
      expect(forged.code).not.toBe(0);
      const own = await mosquitto('mosquitto_pub', [...asEdgeA(), '-t', topics.event(a.edgeId, 'probe'), '-q', '1', '-m', 'x']);
      expect(own.code).toBe(0);
      await waitFor(() => seen.includes(topics.event(a.edgeId, 'probe')), 'the edge\'s own publish');
      expect(seen).not.toContain(foreign);
      expect(seen).not.toContain(topics.desired(a.edgeId, 'config'));
    } finally {
      await unsubscribe();
    }
    const metrics = await test.api<string>('GET', '/metrics', undefined, null);
    expect(metrics.body).toMatch(/sc_mqtt_rejected_total\{reason="acl"\} [1-9]/);
    expect(metrics.body).toMatch(/sc_mqtt_rejected_total\{reason="schema"\} [1-9]/); // the "probe" kind is not in the contract
  });

  it('shows retained availability "offline" after the edge daemon is killed with SIGKILL', async () => {
    const child = spawnEdgeCli(['run', '--data-dir', a.dataDir]);
    try {
      await waitFor(async () => (await test.api('GET', `/api/v1/edges/${a.edgeId}`)).body.online, 'edge online');
      const service = brokerArgs(test.cloud.mqttUrl, test.cloud.service.username, test.cloud.service.password, 'test-observer');
      const before = await mosquitto('mosquitto_sub', [...service, '-t', topics.availability(a.edgeId), '-C', '1', '-W', '5']);
      expect(JSON.parse(before.stdout).state).toBe('online');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const after = await waitFor(async () => {
        const res = await mosquitto('mosquitto_sub', [...service, '-t', topics.availability(a.edgeId), '-C', '1', '-W', '5']);
        return JSON.parse(res.stdout).state === 'offline' ? res : null;
      }, 'retained offline availability');
      expect(JSON.parse(after.stdout)).toMatchObject({ state: 'offline' });
      const edge = await waitFor(async () => {
        const res = await test.api('GET', `/api/v1/edges/${a.edgeId}`);
        return res.body.online === false ? res.body : null;
      }, 'cloud marks the edge offline');
      expect(edge.offlineReason).toMatch(/last will/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
