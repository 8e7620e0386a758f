import type { CloudClient } from '../../../../firmware-sim/src/cloud-client.js';
import { COMMUNE_ADMIN_CODE, HAMLETS, PROVINCE_ADMIN_CODE } from './geography.js';
import { TRUSTED_SENDER } from './generator.js';

/**
 * Tells the cloud what the generator assumed: where the hamlets lie, the commune's and province's
 * administrative codes, and that the benchmark's sender is trusted; then subscribes to the feed.
 */
export async function prepareCloud(cloud: CloudClient, feedUrl: string): Promise<{ feedId: string }> {
  await cloud.request('POST', '/api/v1/alerts/trusted-senders', { sender: TRUSTED_SENDER, note: 'Đài KTTV tỉnh Hậu Giang (benchmark)' });
  await cloud.request('PUT', '/api/v1/commune/admin-codes', { adminCode: COMMUNE_ADMIN_CODE, provinceAdminCode: PROVINCE_ADMIN_CODE });
  for (const h of HAMLETS) await cloud.request('PUT', `/api/v1/hamlets/${h.code}/location`, { lat: h.lat, lon: h.lon, radiusM: h.radiusM });
  const feed = await cloud.request<{ id: string }>('POST', '/api/v1/cap-feeds', { name: 'Đài KTTV tỉnh Hậu Giang (benchmark)', url: feedUrl });
  return { feedId: feed.id };
}
