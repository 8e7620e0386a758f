import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from '../../../test-support/media-stores.js';
import type { MediaKey } from './media-key.js';
import { S3MediaStore, type S3Settings } from './s3-media-store.js';

const MB = 1024 * 1024;
const keyOf = (bytes: Uint8Array, ext = 'mp4'): MediaKey => ({ kind: 'incident', sha256: createHash('sha256').update(bytes).digest('hex'), ext });

describe('S3 media store against s3rver', () => {
  let server: S3TestServer;
  let settings: S3Settings;
  let spoolDir: string;
  beforeAll(async () => {
    server = await startS3Server();
  }, 30_000);
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    settings = await server.createBucket();
    spoolDir = mkdtempSync(join(tmpdir(), 'sc-spool-'));
    server.events.length = 0;
  });
  afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));

  it('keeps objects under the keys they have on disk, sends small ones whole and large ones in parts', async () => {
    const store = new S3MediaStore(settings, { spoolDir, partBytes: 5 * MB });
    const small = randomBytes(1000);
    const large = randomBytes(5 * MB + 1);
    await store.put(keyOf(small, 'jpg'), small, { maxBytes: 10 * MB });
    await store.put(keyOf(large), large, { maxBytes: 10 * MB });
    await store.close();
    const smallPath = `incidents/${keyOf(small).sha256.slice(0, 2)}/${keyOf(small).sha256}.jpg`;
    const largePath = `incidents/${keyOf(large).sha256.slice(0, 2)}/${keyOf(large).sha256}.mp4`;
    expect(server.events).toEqual([`ObjectCreated:Put ${settings.bucket}/${smallPath}`, `ObjectCreated:Post ${settings.bucket}/${largePath}`]);
    const client = new S3Client({ endpoint: settings.endpoint, region: settings.region, credentials: settings, forcePathStyle: true });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: settings.bucket })).finally(() => client.destroy());
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([smallPath, largePath].sort());
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('sends nothing when the content is already there', async () => {
    const store = new S3MediaStore(settings, { spoolDir });
    const bytes = randomBytes(1000);
    await store.put(keyOf(bytes), bytes, { maxBytes: MB });
    expect(await store.put(keyOf(bytes), bytes, { maxBytes: MB })).toMatchObject({ created: false });
    await store.close();
    expect(server.events).toHaveLength(1);
  });

  it("passes the server's refusal on (a bucket that does not exist) and leaves no spool file", async () => {
    const store = new S3MediaStore({ ...settings, bucket: 'no-such-bucket' }, { spoolDir });
    const bytes = randomBytes(1000);
    await expect(store.put(keyOf(bytes), bytes, { maxBytes: MB })).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await store.close();
    expect(readdirSync(spoolDir)).toEqual([]);
    expect(server.events).toEqual([]);
  });
});
