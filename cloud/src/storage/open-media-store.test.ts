import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@smart-commune/shared/runtime';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from '../../../test-support/media-stores.js';
import { ConfigError, loadCloudConfig } from '../config.js';
import { createCloudMetrics } from '../metrics.js';
import type { MediaKey } from './media-key.js';
import { MediaHashMismatch } from './media-store.js';
import { openMediaStore } from './open-media-store.js';
import { S3MediaStore } from './s3-media-store.js';

const keyOf = (bytes: Uint8Array): MediaKey => ({ kind: 'report', sha256: createHash('sha256').update(bytes).digest('hex'), ext: 'jpg' });

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('media-test', { level: 'debug' }, stream), lines };
}

async function metricValues(metrics: ReturnType<typeof createCloudMetrics>, name: string): Promise<Array<Record<string, string | number>>> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => ({ ...v.labels, value: v.value }));
}

const S3_ENV = {
  SC_S3_ENDPOINT: 'http://127.0.0.1:9000',
  SC_S3_BUCKET: 'commune-media',
  SC_S3_REGION: 'garage',
  SC_S3_ACCESS_KEY_ID: 'GK123',
  SC_S3_SECRET_ACCESS_KEY: 'very-secret',
};

describe('media storage configuration', () => {
  it('takes all five SC_S3_* settings or none', () => {
    expect(() => loadCloudConfig({})).not.toThrow();
    expect(loadCloudConfig(S3_ENV)).toMatchObject(S3_ENV);
    const { SC_S3_REGION: _r, SC_S3_SECRET_ACCESS_KEY: _s, ...partial } = S3_ENV;
    expect(() => loadCloudConfig(partial)).toThrow(ConfigError);
    expect(() => loadCloudConfig(partial)).toThrow(/SC_S3_ENDPOINT, SC_S3_BUCKET, SC_S3_ACCESS_KEY_ID set but SC_S3_REGION, SC_S3_SECRET_ACCESS_KEY missing/);
  });

  it('names a malformed setting', () => {
    expect(() => loadCloudConfig({ ...S3_ENV, SC_S3_BUCKET: 'Commune_Media' })).toThrow(/SC_S3_BUCKET.*bucket name/);
    expect(() => loadCloudConfig({ ...S3_ENV, SC_S3_ENDPOINT: 'minio:9000' })).toThrow(/SC_S3_ENDPOINT/);
  });
});

describe('openMediaStore on local disk', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sc-data-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("keeps the domains' layout and modes, and reads files an earlier version wrote", async () => {
    const { logger } = capturingLogger();
    const store = openMediaStore(loadCloudConfig({ SC_DATA_DIR: dataDir }), { logger, metrics: createCloudMetrics() });
    expect(store.backend).toBe('local');
    const photo = randomBytes(3000);
    await store.put(keyOf(photo), photo, { maxBytes: 10_000 });
    const file = join(dataDir, 'reports', `${keyOf(photo).sha256}.jpg`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'reports')).mode & 0o777).toBe(0o700);

    // an incident clip where MediaFiles has always put it
    const clip = randomBytes(500);
    const sha256 = createHash('sha256').update(clip).digest('hex');
    mkdirSync(join(dataDir, 'incidents', sha256.slice(0, 2)), { recursive: true });
    writeFileSync(join(dataDir, 'incidents', sha256.slice(0, 2), `${sha256}.mp4`), clip);
    expect(await store.head({ kind: 'incident', sha256, ext: 'mp4' })).toEqual({ size: 500 });
    const first = await store.read({ kind: 'incident', sha256, ext: 'mp4' }, { start: 0, end: 99 });
    const chunks: Buffer[] = [];
    for await (const chunk of first.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(clip.subarray(0, 100))).toBe(true);
  });

  it('counts bytes stored and operations by result, and logs refusals', async () => {
    const { logger, lines } = capturingLogger();
    const metrics = createCloudMetrics();
    const store = openMediaStore(loadCloudConfig({ SC_DATA_DIR: dataDir }), { logger, metrics });
    const photo = randomBytes(1234);
    await store.put(keyOf(photo), photo, { maxBytes: 10_000 });
    await store.put(keyOf(photo), photo, { maxBytes: 10_000 });
    await expect(store.put(keyOf(photo), randomBytes(1234), { maxBytes: 10_000 })).rejects.toBeInstanceOf(MediaHashMismatch);
    await expect(store.put(keyOf(photo), randomBytes(20_000), { maxBytes: 10_000 })).rejects.toThrow(/larger than 10000 bytes/);
    expect(await store.head(keyOf(randomBytes(4)))).toBeNull();
    await expect(store.read(keyOf(photo), { start: 5000 })).rejects.toThrow(/outside the 1234 bytes/);
    expect(await store.delete(keyOf(photo))).toBe(1234);

    expect(await metricValues(metrics, 'sc_media_put_bytes_total')).toEqual([{ backend: 'local', kind: 'report', value: 1234 }]);
    const operations = await metricValues(metrics, 'sc_media_operations_total');
    expect(operations.sort((a, b) => `${a.operation}${a.result}`.localeCompare(`${b.operation}${b.result}`))).toEqual([
      { backend: 'local', operation: 'delete', result: 'ok', value: 1 },
      { backend: 'local', operation: 'head', result: 'missing', value: 1 },
      { backend: 'local', operation: 'put', result: 'existed', value: 1 },
      { backend: 'local', operation: 'put', result: 'hash_mismatch', value: 1 },
      { backend: 'local', operation: 'put', result: 'ok', value: 1 },
      { backend: 'local', operation: 'put', result: 'too_large', value: 1 },
      { backend: 'local', operation: 'read', result: 'unsatisfiable', value: 1 },
    ]);
    const refused = lines.filter((l) => l.msg === 'media refused');
    expect(refused.map((l) => l.level)).toEqual([40, 40]);
    expect(refused[0]).toMatchObject({ backend: 'local', operation: 'put', key: `reports/${keyOf(photo).sha256}.jpg` });
    expect(lines.find((l) => l.msg === 'media deleted')).toMatchObject({ bytes: 1234 });
  });
});

describe('openMediaStore on S3', () => {
  let server: S3TestServer;
  let dataDir: string;
  beforeAll(async () => {
    server = await startS3Server();
  }, 30_000);
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sc-data-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores in the configured bucket, spools under the data dir, and keeps the secret out of the log', async () => {
    const s3 = await server.createBucket();
    const env = {
      SC_DATA_DIR: dataDir,
      SC_S3_ENDPOINT: s3.endpoint,
      SC_S3_BUCKET: s3.bucket,
      SC_S3_REGION: s3.region,
      SC_S3_ACCESS_KEY_ID: s3.accessKeyId,
      SC_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    const { logger, lines } = capturingLogger();
    const metrics = createCloudMetrics();
    const store = openMediaStore(loadCloudConfig(env), { logger, metrics });
    expect(store.backend).toBe('s3');
    const photo = randomBytes(2000);
    await store.put(keyOf(photo), photo, { maxBytes: 10_000 });
    await store.close();

    const direct = new S3MediaStore(s3, { spoolDir: join(dataDir, 'other-spool') });
    expect(await direct.head(keyOf(photo))).toEqual({ size: 2000 });
    await direct.close();
    expect(readdirSync(join(dataDir, 'media-spool'))).toEqual([]);
    expect(readdirSync(dataDir)).toEqual(['media-spool']); // nothing stored on local disk
    expect(await metricValues(metrics, 'sc_media_put_bytes_total')).toEqual([{ backend: 's3', kind: 'report', value: 2000 }]);
    expect(lines.find((l) => l.msg === 'media store opened')).toMatchObject({ backend: 's3', bucket: s3.bucket, endpoint: s3.endpoint });
    expect(JSON.stringify(lines)).not.toContain(s3.secretAccessKey);
  });
});
