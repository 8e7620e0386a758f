import type { CloudConfig } from '../../config.js';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';

/**
 * A test cloud whose trusted CAP senders include `sender` (only tests import it): a message from
 * an untrusted sender is held for an operator, so feed tests that expect plays trust theirs first.
 * A restart on the same data dir finds it trusted already.
 */
export async function startCloudTrusting(sender: string, overrides: Partial<CloudConfig> = {}, dataDir?: string): Promise<TestCloud> {
  const test = await startTestCloud(overrides, dataDir);
  const trusted = await test.request('POST', '/api/v1/alerts/trusted-senders', { sender, note: 'test feed' });
  if (trusted.status !== 201 && trusted.status !== 409) throw new Error(`trusting ${sender}: ${trusted.status} ${JSON.stringify(trusted.body)}`);
  return test;
}
