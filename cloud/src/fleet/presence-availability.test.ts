import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';

describe('availability messages arriving out of order', () => {
  let test: TestCloud;
  let edgeId: string;
  beforeAll(async () => {
    test = await startTestCloud();
    edgeId = (await claimTestEdge(test)).edgeId;
  });
  afterAll(() => test.stop());
  const online = async () => (await test.api('GET', `/api/v1/edges/${edgeId}`)).body.online as boolean;

  it('ignores the late last will of an earlier connection, but not the will of the current one', async () => {
    const presence = test.cloud.fleet.presence;
    await presence.onAvailability(edgeId, { state: 'online', ts: 2000 }); // the new connection, begun at 2000
    await presence.onAvailability(edgeId, { state: 'offline', ts: 1000 }); // the will of the connection begun at 1000
    expect(await online()).toBe(true);
    await presence.onAvailability(edgeId, { state: 'offline', ts: 2000 }); // the current connection's own will
    expect(await online()).toBe(false);
    const metrics = (await test.api<string>('GET', '/metrics', undefined, null)).body;
    expect(metrics).toMatch(/sc_edges_online 0/);
    await presence.onAvailability(edgeId, { state: 'online', ts: 3000 });
    expect((await test.api<string>('GET', '/metrics', undefined, null)).body).toMatch(/sc_edges_online 1/);
  });
});
