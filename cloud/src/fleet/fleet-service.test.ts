import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provision } from '@smart-commune/edge';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, startTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';

/**
 * A box is claimed again after a revocation or an offline rotation (the same cabinet, or a
 * replacement box with an empty data dir): it must converge on the config the cloud holds for it.
 */
describe('the config document across revocation and re-claiming', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  const reportedVersion = async (edgeId: string) => (await test.api<{ reported: { version: number } | null }>('GET', `/api/v1/edges/${edgeId}/config`)).body.reported?.version ?? 0;

  /** Claims the edge again into a fresh data dir and runs the daemon until it reports the expected config version. */
  async function reclaimAndRun(edgeId: string, claimToken: string, expectedVersion: number) {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-edge-replacement-'));
    await provision({ cloudUrl: test.cloud.httpUrl, token: claimToken, dataDir });
    const daemon = await startTestEdge(dataDir);
    try {
      await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edgeId}`)).body.online, 'replacement box online');
      await waitFor(async () => (await reportedVersion(edgeId)) === expectedVersion, `config version ${expectedVersion} reported by the box`, 5_000).catch(() => undefined);
      expect(await reportedVersion(edgeId), 'config version the box reported applying').toBe(expectedVersion);
    } finally {
      await daemon.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('a box claimed the first time applies the config it was given (control)', async () => {
    const { edgeId, dataDir } = await provisionTestEdge(test, 'ap-3');
    const put = await test.api('PUT', `/api/v1/edges/${edgeId}/config`, { telemetryIntervalS: 30 });
    expect(put.body.version).toBe(2);
    const daemon = await startTestEdge(dataDir);
    try {
      await waitFor(async () => (await reportedVersion(edgeId)) === 2, 'config version 2 reported');
    } finally {
      await daemon.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a box re-claimed after an offline rotation receives the config the cloud holds', async () => {
    const { edgeId } = await provisionTestEdge(test, 'ap-3');
    await test.api('PUT', `/api/v1/edges/${edgeId}/config`, { telemetryIntervalS: 30 });
    const rotation = await test.api('POST', `/api/v1/edges/${edgeId}/rotate`);
    expect(rotation.body.mode).toBe('claim');
    await reclaimAndRun(edgeId, rotation.body.claimToken.token, 2);
  });

  it('a box re-claimed after a revocation receives the config the cloud holds', async () => {
    const { edgeId } = await provisionTestEdge(test, 'ap-3');
    await test.api('PUT', `/api/v1/edges/${edgeId}/config`, { telemetryIntervalS: 30 });
    expect((await test.api('POST', `/api/v1/edges/${edgeId}/revoke`)).body.status).toBe('revoked');
    const fresh = await test.api('POST', `/api/v1/edges/${edgeId}/claim-tokens`);
    expect(fresh.status).toBe(201);
    // revoke cleared the retained desired/config on the broker; claim() only publishes a config
    // when the cloud has none stored, so the stored version 2 never reaches the new box
    await reclaimAndRun(edgeId, fresh.body.token, 2);
  });
});
