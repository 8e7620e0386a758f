import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateReleaseKeyPair } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provision } from '../fleet/provision.js';
import { edgeHomeLayout } from '../supervisor/layout.js';
import { loadTrustedKeys } from './trusted-keys.js';

const clouds: TestCloud[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clouds.splice(0).map((c) => c.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function claimInto(test: TestCloud, dataDir: string) {
  const created = await test.api<{ id: string }>('POST', '/api/v1/edges', { name: 'Tủ Ấp 2', hamletCode: 'ap-2' });
  const token = await test.api<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
  return provision({ cloudUrl: test.cloud.httpUrl, token: token.body.token, dataDir, force: true });
}

describe('release keys at provisioning', () => {
  it('a box installed from bundles trusts the keys its cloud hands out when it is claimed, and keeps them on a new claim', async () => {
    const work = mkdtempSync(join(tmpdir(), 'sc-keys-'));
    dirs.push(work);
    const province = generateReleaseKeyPair().publicKey;
    writeFileSync(join(work, 'release.pub.json'), JSON.stringify(province));
    const test = await startTestCloud({ SC_RELEASE_KEYS_FILE: join(work, 'release.pub.json') });
    clouds.push(test);
    const layout = edgeHomeLayout(join(work, 'home'));
    mkdirSync(layout.releases, { recursive: true });
    await claimInto(test, layout.data);
    expect(loadTrustedKeys(layout)).toEqual({ format: 1, sequence: 0, keys: [province] });

    // a cloud with other keys does not replace them: that takes a signed rotation
    const other = generateReleaseKeyPair().publicKey;
    writeFileSync(join(work, 'other.pub.json'), JSON.stringify([other]));
    const second = await startTestCloud({ SC_RELEASE_KEYS_FILE: join(work, 'other.pub.json') });
    clouds.push(second);
    await claimInto(second, layout.data);
    expect(loadTrustedKeys(layout)?.keys).toEqual([province]);
  });

  it('a cloud without keys hands out none until they are put in place; a bad keys file stops it at start naming the variable', async () => {
    const test = await startTestCloud();
    clouds.push(test);
    const claimOnce = async () => {
      const created = await test.api<{ id: string }>('POST', '/api/v1/edges', { name: 'Tủ Ấp 3', hamletCode: 'ap-3' });
      const token = await test.api<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
      const claim = await test.api('POST', '/api/v1/provision/claim', { token: token.body.token }, null);
      expect(claim.status).toBe(200);
      return claim.body;
    };
    expect((await claimOnce()).releaseKeys).toBeUndefined();
    // the default place, <SC_DATA_DIR>/keys/release-keys.json, read at each claim
    const key = generateReleaseKeyPair().publicKey;
    mkdirSync(join(test.dataDir, 'keys'), { recursive: true });
    writeFileSync(join(test.dataDir, 'keys', 'release-keys.json'), JSON.stringify([key]));
    expect((await claimOnce()).releaseKeys).toEqual([key]);
    const work = mkdtempSync(join(tmpdir(), 'sc-keys-'));
    dirs.push(work);
    writeFileSync(join(work, 'bad.json'), '{"keyId":"nope"}');
    await expect(startTestCloud({ SC_RELEASE_KEYS_FILE: join(work, 'bad.json') })).rejects.toThrow(/SC_RELEASE_KEYS_FILE/);
  });
});
