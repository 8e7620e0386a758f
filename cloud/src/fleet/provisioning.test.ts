import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadEdgeConfig, provision, saveEdgeConfig } from '@smart-commune/edge';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, startTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';

describe('provisioning an edge box through the claim flow', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  it('claims a box, writes its credentials 0600, and shows it online once the daemon runs', async () => {
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-2a');
    expect(statSync(join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
    const before = await test.api('GET', `/api/v1/edges/${edgeId}`);
    expect(before.body).toMatchObject({ status: 'active', online: false, hamletName: 'Ấp 2A' });

    const daemon = await startTestEdge(dataDir);
    try {
      const online = await waitFor(async () => {
        const res = await test.api('GET', `/api/v1/edges/${edgeId}`);
        return res.body.online && res.body.telemetry ? res.body : null;
      }, 'edge online with telemetry');
      expect(online.telemetry.softwareVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(online.telemetry.disk.freeBytes).toBeGreaterThan(0);
      expect(online.lastSeenAt).toBeGreaterThan(Date.now() - 10_000);
    } finally {
      await daemon.stop();
    }
    const after = await waitFor(async () => {
      const res = await test.api('GET', `/api/v1/edges/${edgeId}`);
      return res.body.online === false ? res.body : null;
    }, 'edge offline after a clean stop');
    expect(after.offlineReason).toMatch(/offline/);
  });

  it('refuses a used token, an expired token and an unknown token with clear messages', async () => {
    const created = await test.api('POST', '/api/v1/edges', { name: 'Tủ Ấp 3', hamletCode: 'ap-3' });
    const token = (await test.api('POST', `/api/v1/edges/${created.body.id}/claim-tokens`)).body.token;
    const first = await test.api('POST', '/api/v1/provision/claim', { token }, null);
    expect(first.status).toBe(200);
    expect(first.body.mqtt.username).toBe(created.body.id);

    const reused = await test.api('POST', '/api/v1/provision/claim', { token }, null);
    expect(reused.status).toBe(410);
    expect(reused.body.error.message).toMatch(/already used/);

    const shortLived = await test.api('POST', `/api/v1/edges/${created.body.id}/claim-tokens`, { ttlHours: 0.0000003 });
    await new Promise((r) => setTimeout(r, 20));
    const expired = await test.api('POST', '/api/v1/provision/claim', { token: shortLived.body.token }, null);
    expect(expired.status).toBe(410);
    expect(expired.body.error.message).toMatch(/expired/);

    const unknown = await test.api('POST', '/api/v1/provision/claim', { token: 'x'.repeat(43) }, null);
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('claim_token_invalid');
  });

  it('sc-edge provision refuses to overwrite an existing provisioning without --force', async () => {
    const { dataDir } = await provisionTestEdge(test, 'ap-4');
    const created = await test.api('POST', '/api/v1/edges', { name: 'Tủ thay thế', hamletCode: 'ap-4' });
    const token = (await test.api('POST', `/api/v1/edges/${created.body.id}/claim-tokens`)).body.token;
    await expect(provision({ cloudUrl: test.cloud.httpUrl, token, dataDir })).rejects.toThrow(/already provisioned/);
    // the cabinet's own settings, set by the technician in edge.json, outlive the new claim
    const local = { modelDir: '/opt/smart-commune/models', liveView: { host: '0.0.0.0', port: 8090, password: 'xem-camera-ap-4', width: 640 } };
    saveEdgeConfig(dataDir, { ...loadEdgeConfig(dataDir), ...local });
    const replaced = await provision({ cloudUrl: test.cloud.httpUrl, token, dataDir, force: true });
    expect(replaced.edgeId).toBe(created.body.id);
    expect(loadEdgeConfig(dataDir)).toMatchObject({ edgeId: created.body.id, ...local });
    expect(statSync(join(dataDir, 'edge.json')).mode & 0o777).toBe(0o600); // it holds the live-view password
  });

  it('sets the old database aside when a box is re-provisioned as a different edge', async () => {
    const first = await provisionTestEdge(test, 'ap-5');
    const daemon = await startTestEdge(first.dataDir);
    await daemon.stop();
    const created = await test.api('POST', '/api/v1/edges', { name: 'Tủ mới', hamletCode: 'ap-5' });
    const token = (await test.api('POST', `/api/v1/edges/${created.body.id}/claim-tokens`)).body.token;
    await provision({ cloudUrl: test.cloud.httpUrl, token, dataDir: first.dataDir, force: true });
    expect(existsSync(join(first.dataDir, `edge.db.replaced-${first.edgeId}`))).toBe(true);
    expect(existsSync(join(first.dataDir, 'edge.db'))).toBe(false);
  });

  it('a box revoked and claimed again receives its config document again', async () => {
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-6');
    await test.api('PUT', `/api/v1/edges/${edgeId}/config`, { telemetryIntervalS: 7 });
    await test.api('POST', `/api/v1/edges/${edgeId}/revoke`);
    const token = (await test.api('POST', `/api/v1/edges/${edgeId}/claim-tokens`)).body.token;
    const other = (await test.api('POST', `/api/v1/edges/${edgeId}/claim-tokens`)).body.token;
    await provision({ cloudUrl: test.cloud.httpUrl, token, dataDir, force: true });
    const daemon = await startTestEdge(dataDir);
    try {
      await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edgeId}/config`)).body.reported?.version === 2, 'config re-applied');
      expect(daemon.telemetry).toBeDefined();
    } finally {
      await daemon.stop();
    }
    const leaked = await test.api('POST', '/api/v1/provision/claim', { token: other }, null);
    expect(leaked.status).toBe(410); // claiming expired the box's other tokens
  });

  it('logging out ends the bearer token', async () => {
    const token = await test.login('admin', 'test-admin-password');
    expect((await test.api('GET', '/api/v1/edges', undefined, token)).status).toBe(200);
    expect((await test.api('DELETE', '/api/v1/auth/token', undefined, token)).status).toBe(204);
    expect((await test.api('GET', '/api/v1/edges', undefined, token)).status).toBe(401);
  });
});
