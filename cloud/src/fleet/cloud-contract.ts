import { ownContract, topics, type CloudContract } from '@smart-commune/shared';
import type { BrokerLink } from '../broker/link.js';
import { CLOUD_VERSION } from '../version.js';

/** What this cloud announces of its contract on `sc/v1/broadcast/contract`. */
export const cloudContract = (ts = Date.now()): CloudContract => ({ ...ownContract(), softwareVersion: CLOUD_VERSION, ts });

/**
 * Publishes it retained, at every start: the embedded broker keeps retained messages in memory
 * only, and a box that connects later finds it there. Boxes older than the announcement never
 * subscribe to it.
 */
export function announceCloudContract(broker: BrokerLink): Promise<void> {
  return broker.publish(topics.broadcast('contract'), JSON.stringify(cloudContract()), { qos: 1, retain: true });
}
