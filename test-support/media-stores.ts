/**
 * Runs a suite against every MediaStore: `forEachMediaStore('media', (get) => { it(…) })` declares it
 * once on local disk and once against s3rver (a real S3 HTTP server) started by the test file on
 * 127.0.0.1 in a temporary directory. Each test gets an empty store (a fresh folder, a fresh bucket).
 */
import type { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { LocalMediaStore } from '../cloud/src/storage/local-media-store.js';
import type { MediaStore } from '../cloud/src/storage/media-store.js';
import { S3MediaStore, type S3Settings, type S3MediaStoreOptions } from '../cloud/src/storage/s3-media-store.js';

export interface S3TestServer {
  /** Settings of a new, empty bucket. */
  createBucket(): Promise<S3Settings>;
  /** The server's own files (where s3rver keeps objects), e.g. to check nothing was left. */
  directory: string;
  /** Objects created and removed so far, as `<event> <bucket>/<key>` (Put: PutObject, Post: a completed multipart upload). */
  events: string[];
  stop(): Promise<void>;
}

let buckets = 0;

/** s3rver on 127.0.0.1 and a port the system picks, storing in a temporary directory removed by stop(). */
export async function startS3Server(): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'sc-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const events: string[] = [];
  // s3rver is a Koa app (an EventEmitter) that emits S3 event notifications; its types leave that out
  (server as unknown as EventEmitter).on('event', (event: { Records: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string } } }> }) => {
    for (const r of event.Records) events.push(`${r.eventName} ${r.s3.bucket.name}/${r.s3.object.key}`);
  });
  const { port } = await server.run();
  const base = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    directory,
    events,
    async createBucket() {
      const bucket = `media-${process.pid}-${++buckets}`;
      const client = new S3Client({ endpoint: base.endpoint, region: base.region, credentials: base, forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: bucket })).finally(() => client.destroy());
      return { ...base, bucket };
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface TestMediaStore {
  store: MediaStore;
  /** The local store's root, or the S3 store's spool folder: where leftovers would show. */
  dir: string;
}

/** Declares the suite once per backend; `get()` is the current test's empty store. */
export function forEachMediaStore(name: string, suite: (get: () => TestMediaStore) => void, s3Options: Partial<S3MediaStoreOptions> = {}): void {
  describe.each(['local', 's3'] as const)(`${name} (%s)`, (backend) => {
    let server: S3TestServer | undefined;
    let current: TestMediaStore | undefined;
    let dir: string | undefined;
    beforeAll(async () => {
      if (backend === 's3') server = await startS3Server();
    }, 30_000);
    afterAll(async () => {
      await server?.stop();
    });
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sc-media-'));
      const store = backend === 'local' ? new LocalMediaStore(dir) : new S3MediaStore(await server!.createBucket(), { spoolDir: dir, ...s3Options });
      current = { store, dir };
    });
    afterEach(async () => {
      await current?.store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      current = undefined;
    });
    suite(() => {
      if (!current) throw new Error('the test media store exists only inside a test');
      return current;
    });
  });
}
