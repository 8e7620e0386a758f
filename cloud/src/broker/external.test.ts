import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { createCloudMetrics } from '../metrics.js';
import { connectExternalBroker } from './external.js';
import type { BrokerLink } from './link.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { waitFor } from '../../../test-support/wait.js';

describe('the cloud as a client of an external broker', () => {
  let test: TestCloud;
  let link: BrokerLink;
  beforeAll(async () => {
    test = await startTestCloud();
    const url = new URL(test.cloud.mqttUrl);
    url.username = test.cloud.service.username;
    url.password = test.cloud.service.password;
    link = await connectExternalBroker(url.toString(), silentLogger(), createCloudMetrics());
  });
  afterAll(async () => {
    await link.close();
    await test.stop();
  });

  it('publishes and receives over TCP with its service credential', async () => {
    const received: string[] = [];
    // its own topic: the cloud's retained broadcasts (contract, live) may land under broadcast/# at any moment
    const stop = await link.subscribe('sc/v1/broadcast/test', (topic, payload) => received.push(`${topic}=${payload.toString()}`));
    await link.publish('sc/v1/broadcast/test', 'hello', { qos: 1, retain: false });
    await waitFor(() => received.length > 0, 'message back from the broker');
    expect(received).toEqual(['sc/v1/broadcast/test=hello']);
    await stop();
    expect(link.connectedEdges()).toBeNull();
  });

  it('is refused with a wrong password', async () => {
    const url = new URL(test.cloud.mqttUrl);
    url.username = 'sc-cloud';
    url.password = 'wrong';
    await expect(connectExternalBroker(url.toString(), silentLogger(), createCloudMetrics())).rejects.toThrow(/Bad username or password/i);
  });
});
