import { silentLogger } from '@smart-commune/shared/runtime';
import { createCloudMetrics } from '../../metrics.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../embedded.js';

/**
 * The embedded broker on a free port of 127.0.0.1 with the cloud's limits and nobody allowed in: for
 * store tests that only need the cloud's own publishes to land somewhere real (retained, over TCP).
 */
export function startTestBroker(): Promise<EmbeddedBroker> {
  return startEmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    maxPayloadBytes: 256 * 1024,
    ratePerS: 100,
    maxUnauthenticatedPerAddress: 16,
    authenticate: async () => null,
    logger: silentLogger(),
    metrics: createCloudMetrics(),
  });
}
