import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import type { EdgeDaemon } from '../daemon.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, startTestEdge, type ProvisionedEdge } from '../../../test-support/edge.js';
import { brokerArgs, mosquitto } from '../../../test-support/mosquitto.js';
import { waitFor } from '../../../test-support/wait.js';

const readSecret = (dataDir: string) => (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { password: string }).password;

describe('an edge box and the cloud over the real broker', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  let daemon: EdgeDaemon | null = null;

  async function startOnline(overrides: Parameters<typeof startTestCloud>[0] = {}) {
    test = await startTestCloud(overrides);
    edge = await provisionTestEdge(test, 'ap-3a');
    daemon = await startTestEdge(edge.dataDir);
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.online, 'edge online');
  }
  const getEdge = async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body;

  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
    await test.stop();
  });

  it('marks a box offline after three missed heartbeats even when no last will arrives', async () => {
    await startOnline({ SC_TELEMETRY_INTERVAL_S: 2 });
    daemon!.telemetry.stop(); // still connected, but silent: its will never fires
    const offline = await waitFor(async () => {
      const e = await getEdge();
      return e.online ? null : e;
    }, 'offline by the watchdog', 10_000);
    expect(offline.offlineReason).toBe('missed 3 heartbeats');
    expect(daemon!.link.connected).toBe(true);
    expect(Date.now() - offline.lastSeenAt).toBeGreaterThanOrEqual(6000);
  });

  it('applies a new config document live and reports the version it applied', async () => {
    await startOnline();
    const put = await test.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, { telemetryIntervalS: 2 });
    expect(put.status).toBe(200);
    const config = await waitFor(async () => {
      const res = await test.api('GET', `/api/v1/edges/${edge.edgeId}/config`);
      return res.body.reported?.version === put.body.version ? res.body : null;
    }, 'reported version');
    expect(config.reported.status).toBe('applied');
    await waitFor(async () => (await getEdge()).telemetry?.intervalS === 2, 'telemetry at the new interval');
    // the box's clock offset against the cloud reaches the cloud in telemetry: on one machine the true
    // offset is 0, and an exchange's estimate is off by at most half its round trip
    const { telemetry } = await waitFor(async () => {
      const edgeNow = await getEdge();
      return edgeNow.telemetry?.clock ? edgeNow : null;
    }, 'a clock reading in telemetry');
    expect(telemetry.clock.roundTripMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(telemetry.clock.offsetMs)).toBeLessThanOrEqual(telemetry.clock.roundTripMs / 2 + 1);
    expect(telemetry.clock.measuredAt).toBeLessThanOrEqual(Date.now());
  });

  it('drops malformed payloads on both sides, counts them, and keeps running', async () => {
    await startOnline();
    const service = brokerArgs(test.cloud.mqttUrl, test.cloud.service.username, test.cloud.service.password, 'test-fuzzer');
    const garbage = ['not json', '{"ts":"yesterday"}', JSON.stringify({ state: 'sleeping', ts: 1 }), '[]'];
    for (const payload of garbage) {
      for (const topic of [topics.telemetry(edge.edgeId), topics.availability(edge.edgeId), topics.event(edge.edgeId, 'lifecycle')]) {
        const res = await mosquitto('mosquitto_pub', [...service, '-t', topic, '-m', payload]);
        expect(res.code).toBe(0);
      }
    }
    const badDesired = await mosquitto('mosquitto_pub', [...service, '-t', topics.desired(edge.edgeId, 'config'), '-q', '1', '-m', JSON.stringify({ version: 99, issuedAt: 1, body: { telemetryIntervalS: 'fast' } })]);
    expect(badDesired.code).toBe(0);
    const metrics = await waitFor(async () => {
      const text = (await test.api<string>('GET', '/metrics', undefined, null)).body;
      const match = /sc_mqtt_rejected_total\{reason="schema"\} (\d+)/.exec(text);
      return match && Number(match[1]) >= garbage.length * 3 ? text : null;
    }, 'schema rejections counted');
    expect(metrics).toContain('sc_mqtt_rejected_total');
    const reported = await waitFor(async () => {
      const res = await mosquitto('mosquitto_sub', [...service, '-t', topics.reported(edge.edgeId, 'config'), '-C', '1', '-W', '5']);
      const body = JSON.parse(res.stdout || '{}');
      return body.status === 'rejected' ? body : null;
    }, 'the edge reports the bad document as rejected');
    expect(reported.error).toMatch(/telemetryIntervalS/);
    expect((await getEdge()).online).toBe(true);
    const ping = await test.api('POST', `/api/v1/edges/${edge.edgeId}/ping`);
    expect(ping.status).toBe(200);
    expect(ping.body.roundTripMs).toBeGreaterThanOrEqual(0);
  });

  it('rotates credentials live: the box stores the new secret, reconnects with it, and the old one is refused', async () => {
    await startOnline();
    const oldSecret = readSecret(edge.dataDir);
    const rotated = await test.api('POST', `/api/v1/edges/${edge.edgeId}/rotate`);
    expect(rotated.body).toEqual({ mode: 'live', confirmed: true });
    const newSecret = readSecret(edge.dataDir);
    expect(newSecret).not.toBe(oldSecret);
    await waitFor(() => daemon!.link.connected && daemon!.link.reconnects > 0, 'reconnected with the new secret');
    const old = await mosquitto('mosquitto_sub', [...brokerArgs(test.cloud.mqttUrl, edge.edgeId, oldSecret, `${edge.edgeId}`), '-t', topics.edgeSubtree(edge.edgeId), '-C', '1', '-W', '2']);
    expect(old.stderr).toMatch(/bad user name or password/i);
    expect((await getEdge()).online).toBe(true);
  });

  it('revoking a box disconnects it at once and refuses its credentials; an offline rotation needs a new claim', async () => {
    await startOnline({ SC_COMMAND_TIMEOUT_MS: 500 });
    const revoked = await test.api('POST', `/api/v1/edges/${edge.edgeId}/revoke`);
    expect(revoked.body).toMatchObject({ status: 'revoked', online: false });
    await waitFor(() => daemon!.link.getStatus().state === 'refused', 'the box sees its credentials refused');
    const ping = await test.api('POST', `/api/v1/edges/${edge.edgeId}/ping`);
    expect(ping.status).toBe(409);
    const rotate = await test.api('POST', `/api/v1/edges/${edge.edgeId}/rotate`);
    expect(rotate.status).toBe(409);

    const second = await provisionTestEdge(test, 'ap-7');
    const offlineRotation = await test.api('POST', `/api/v1/edges/${second.edgeId}/rotate`);
    expect(offlineRotation.body.mode).toBe('claim');
    expect(offlineRotation.body.claimToken.command).toContain('sc-edge provision');
  });

  it('times out a request the box does not answer, with a clear error', async () => {
    await startOnline({ SC_COMMAND_TIMEOUT_MS: 300 });
    await daemon!.stop();
    daemon = null;
    // nobody answers on the request topic any more: the request waits its timeout, then says so
    const ping = await test.api('POST', `/api/v1/edges/${edge.edgeId}/ping`);
    expect(ping.status).toBe(504);
    expect(ping.body.error).toMatchObject({ code: 'edge_timeout' });
    expect(ping.body.error.message).toContain(edge.edgeId);
  });
});
