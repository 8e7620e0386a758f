import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetCache, AssetIntegrityError } from './asset-cache.js';
import { makeAudio, startAssetServer, tempDir, type AssetServer, type AudioFile } from './testing/fixtures.js';

const creds = { username: 'edg_test01', password: 'secret-secret-secret-secret-1234' };

describe('AssetCache', () => {
  const media = tempDir();
  let server: AssetServer;
  let a: AudioFile;
  let b: AudioFile;
  let c: AudioFile;

  beforeAll(async () => {
    server = await startAssetServer(creds);
    a = makeAudio(media.dir, 'a', { seconds: 2, format: 'mp3', frequency: 300 });
    b = makeAudio(media.dir, 'b', { seconds: 2, format: 'mp3', frequency: 500 });
    c = makeAudio(media.dir, 'c', { seconds: 2, format: 'mp3', frequency: 700 });
    for (const f of [a, b, c]) server.put(f.asset.sha256, f.data);
  });
  afterAll(async () => {
    await server.close();
    media.remove();
  });

  const newCache = (maxBytes?: number, credentials = creds) => {
    const t = tempDir('sc-cache-');
    return { cache: new AssetCache({ dir: t.dir, cloudUrl: server.url, credentials: () => credentials, maxBytes }), dir: t.dir, remove: t.remove };
  };

  it('downloads with Basic auth, verifies and serves the file by its sha256', async () => {
    const { cache, remove } = newCache();
    expect(cache.has(a.asset.sha256)).toBe(false);
    expect(cache.path(a.asset.sha256)).toBeNull();
    const path = await cache.fetch(a.asset);
    expect(readFileSync(path).equals(a.data)).toBe(true);
    expect(cache.has(a.asset.sha256)).toBe(true);
    expect(cache.path(a.asset.sha256)).toBe(path);
    expect(await cache.verify(a.asset.sha256)).toBe(true);
    remove();
  });

  it('refuses wrong credentials', async () => {
    const { cache, remove } = newCache(undefined, { username: 'edg_test01', password: 'wrong-wrong-wrong-wrong-wrong-00' });
    await expect(cache.fetch(a.asset)).rejects.toThrow(/HTTP 401/);
    expect(cache.has(a.asset.sha256)).toBe(false);
    remove();
  });

  it('resumes a broken download with a Range request from the partial file', async () => {
    const { cache, dir, remove } = newCache();
    const cut = Math.floor(b.data.length / 3);
    server.cutNextAfter(b.asset.sha256, cut);
    const before = server.requests.length;
    await expect(cache.fetch(b.asset)).rejects.toThrow();
    const part = join(dir, `${b.asset.sha256}.part`);
    expect(existsSync(part)).toBe(true);
    expect(statSync(part).size).toBe(cut);
    expect(cache.has(b.asset.sha256)).toBe(false);

    const path = await cache.fetch(b.asset);
    const seen = server.requests.slice(before);
    expect(seen.map((r) => r.range)).toEqual([null, `bytes=${cut}-`]);
    expect(seen[1]!.status).toBe(206);
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(b.asset.sha256);
    expect(existsSync(part)).toBe(false);
    remove();
  });

  it('takes the whole body again when the server ignores the range', async () => {
    const { cache, dir, remove } = newCache();
    writeFileSync(join(dir, `${c.asset.sha256}.part`), c.data.subarray(0, 100));
    server.ignoreRange = true;
    try {
      const path = await cache.fetch(c.asset);
      expect(readFileSync(path).equals(c.data)).toBe(true);
    } finally {
      server.ignoreRange = false;
    }
    remove();
  });

  it('refuses content that does not hash to its name and deletes it', async () => {
    const { cache, dir, remove } = newCache();
    const fake = createHash('sha256').update('not this content').digest('hex');
    server.put(fake, a.data);
    const err = await cache.fetch({ sha256: fake, bytes: a.data.length }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AssetIntegrityError);
    expect(cache.has(fake)).toBe(false);
    expect(existsSync(join(dir, fake))).toBe(false);
    expect(existsSync(join(dir, `${fake}.part`))).toBe(false);
    remove();
  });

  it('evicts the least recently used file under the cap, never one the plan needs', async () => {
    const biggest = Math.max(a.data.length, b.data.length, c.data.length);
    const { cache, remove } = newCache(Math.floor(biggest * 2.5));
    await cache.fetch(a.asset); // oldest
    await new Promise((r) => setTimeout(r, 20));
    await cache.fetch(b.asset);
    await new Promise((r) => setTimeout(r, 20));
    cache.pin([a.asset.sha256]); // the plan needs a, not b
    await cache.fetch(c.asset);
    expect(cache.has(a.asset.sha256)).toBe(true);
    expect(cache.has(b.asset.sha256)).toBe(false);
    expect(cache.has(c.asset.sha256)).toBe(true);
    expect(cache.usage().bytes).toBeLessThanOrEqual(Math.floor(biggest * 2.5));

    // without pins, plain LRU: a is now the least recently used (c was fetched last, b gone)
    cache.pin([]);
    await cache.fetch(b.asset);
    expect(cache.has(a.asset.sha256)).toBe(false);
    expect(cache.has(b.asset.sha256) && cache.has(c.asset.sha256)).toBe(true);
    remove();
  });

  it('prefetch reports what it could not get', async () => {
    const { cache, remove } = newCache();
    const missing = createHash('sha256').update('nowhere').digest('hex');
    const result = await cache.prefetch([a.asset, { sha256: missing, bytes: 10 }, a.asset]);
    expect(result.cached).toEqual([a.asset.sha256]);
    expect(result.failed).toEqual([{ sha256: missing, error: expect.stringMatching(/HTTP 404/) }]);
    remove();
  });
});
