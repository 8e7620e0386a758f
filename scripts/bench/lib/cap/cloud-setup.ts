import type { CloudClient } from '../../../../firmware-sim/src/cloud-client.js';
import { COMMUNE_ADMIN_CODE, HAMLETS, PROVINCE_ADMIN_CODE } from './geography.js';
import { TRUSTED_SENDER } from './generator.js';

/**
 * Tells the cloud what the generator assumed: where the hamlets lie, the commune's and province's
 * administrative codes, and that the benchmark's sender is trusted; then subscribes to the feed.
 * A cloud without the geography or trusted-sender API (before the CAP rules of issue 16) is told
 * what it can take; the run says what was skipped, since the expectations then differ from its rules.
 */
export async function prepareCloud(cloud: CloudClient, feedUrl: string, log: (line: string) => void): Promise<{ feedId: string; skipped: string[] }> {
  const skipped: string[] = [];
  const optional = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (err) {
      if (!/\(HTTP (404|405)\)/.test((err as Error).message)) throw err;
      skipped.push(what);
    }
  };
  await optional('trusted senders', () => cloud.request('POST', '/api/v1/alerts/trusted-senders', { sender: TRUSTED_SENDER, note: 'Đài KTTV tỉnh Hậu Giang (benchmark)' }));
  await optional('administrative codes', () => cloud.request('PUT', '/api/v1/commune/admin-codes', { adminCode: COMMUNE_ADMIN_CODE, provinceAdminCode: PROVINCE_ADMIN_CODE }));
  for (const h of HAMLETS) {
    if (skipped.includes('hamlet locations')) break;
    await optional('hamlet locations', () => cloud.request('PUT', `/api/v1/hamlets/${h.code}/location`, { lat: h.lat, lon: h.lon, radiusM: h.radiusM }));
  }
  if (skipped.length) log(`this cloud has no API for: ${skipped.join(', ')}; the expected outcomes follow issue 16's rules, so its own rules will disagree on some`);
  const feed = await cloud.request<{ id: string }>('POST', '/api/v1/cap-feeds', { name: 'Đài KTTV tỉnh Hậu Giang (benchmark)', url: feedUrl });
  return { feedId: feed.id, skipped };
}
