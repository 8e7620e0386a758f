/**
 * Two cloud processes sharing one PostgreSQL database and one S3 bucket (s3rver on 127.0.0.1), as
 * a province runs them behind a load balancer: media written through one are read, byte for byte
 * and by range, through the other; a body whose hash does not match leaves nothing anywhere.
 */
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudConfig } from '@smart-commune/cloud';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { startS3Server, type S3TestServer } from '../../../test-support/media-stores.js';
import { freshPostgresAddress, releasePostgres } from '../../../test-support/postgres-databases.js';
import { freePort } from '../../../test-support/ports.js';
import { verifyExport } from '../evidence/verify-export.js';
import { announce, CLIP, connectIncidentEdge, getRaw, incidentEvent, SNAPSHOT, userWithRole, type IncidentEdge } from '../incidents/testing/incident-kit.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe('media shared by two cloud processes (PostgreSQL, one S3 bucket)', () => {
  let s3: S3TestServer;
  let one: TestCloud;
  let two: TestCloud;
  let edge: IncidentEdge;
  let police: string;

  beforeAll(async () => {
    s3 = await startS3Server();
    const bucket = await s3.createBucket();
    const shared: Partial<CloudConfig> = {
      SC_DATABASE_URL: await freshPostgresAddress(),
      SC_S3_ENDPOINT: bucket.endpoint,
      SC_S3_BUCKET: bucket.bucket,
      SC_S3_REGION: bucket.region,
      SC_S3_ACCESS_KEY_ID: bucket.accessKeyId,
      SC_S3_SECRET_ACCESS_KEY: bucket.secretAccessKey,
    };
    // one after the other: the second finds the database migrated and seeded by the first
    one = await startTestCloud(shared);
    two = await startTestCloud(shared);
    edge = await connectIncidentEdge(one, 'ap-1');
    police = (await userWithRole(two, 'police')).token;
  }, 120_000);
  afterAll(async () => {
    await edge?.close();
    await one?.stop();
    await two?.stop();
    await s3?.stop();
    await releasePostgres();
  });

  it('both say they keep media in the bucket', async () => {
    for (const cloud of [one, two]) expect((await cloud.request('GET', '/healthz')).body.media).toEqual({ backend: 's3', bucket: expect.stringMatching(/^media-/) });
  });

  it("a box's clip uploaded through one process reads back byte-identical, and by range, through the other", async () => {
    const event = incidentEvent({ clip: { ...announce(CLIP), durationMs: 20_000 } });
    await edge.publish(event);
    expect((await edge.upload(event.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    expect((await edge.upload(event.incidentId, 'clip', CLIP)).status).toBe(201);

    const whole = await getRaw(two, `/api/v1/incidents/${event.incidentId}/clip.mp4`, police);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('x-content-sha256')).toBe(sha256(CLIP));
    expect(whole.headers.get('content-length')).toBe(String(CLIP.length));
    expect(sha256(await bytesOf(whole))).toBe(sha256(CLIP));

    const part = await getRaw(two, `/api/v1/incidents/${event.incidentId}/clip.mp4`, police, { range: 'bytes=1000-4999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-4999/${CLIP.length}`);
    expect((await bytesOf(part)).equals(CLIP.subarray(1000, 5000))).toBe(true);
    const tail = await getRaw(two, `/api/v1/incidents/${event.incidentId}/clip.mp4`, police, { range: 'bytes=-100' });
    expect((await bytesOf(tail)).equals(CLIP.subarray(CLIP.length - 100))).toBe(true);
    const past = await getRaw(two, `/api/v1/incidents/${event.incidentId}/clip.mp4`, police, { range: `bytes=${CLIP.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${CLIP.length}`);

    // the evidence export of the other process streams both files from the bucket; its signature checks offline
    const zip = await getRaw(two, `/api/v1/incidents/${event.incidentId}/export.zip`, police);
    expect(zip.status).toBe(200);
    const file = join(two.dataDir, 'export.zip');
    writeFileSync(file, await bytesOf(zip));
    const report = await verifyExport(file, { fingerprint: two.cloud.incidents.exportKey.fingerprint });
    expect(report.problems).toEqual([]);
    expect(report.files).toEqual(expect.arrayContaining([{ name: 'clip.mp4', bytes: CLIP.length }, { name: 'snapshot.jpg', bytes: SNAPSHOT.length }]));
  });

  it('a body whose hash does not match is refused and leaves nothing: not in the bucket, not in the spool, not readable', async () => {
    const picture = Buffer.concat([SNAPSHOT, Buffer.from([1, 2, 3])]); // a JPEG not stored yet (bytes after its end marker)
    const event = incidentEvent({ snapshot: announce(picture) });
    await edge.publish(event);
    const tampered = Buffer.from(picture);
    tampered[5000] = (tampered[5000]! + 1) % 256;
    const putsBefore = s3.events.length;

    const refused = await edge.upload(event.incidentId, 'snapshot', tampered, { sha256: sha256(picture) });
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'hash_mismatch' } } });
    expect(s3.events.slice(putsBefore)).toEqual([]);
    for (const cloud of [one, two]) {
      expect(await cloud.cloud.incidents.files.has(sha256(tampered), 'snapshot')).toBe(false);
      expect(await cloud.cloud.incidents.files.has(sha256(picture), 'snapshot')).toBe(false);
    }
    expect(readdirSync(join(one.dataDir, 'media-spool'))).toEqual([]);
    const missing = await getRaw(two, `/api/v1/incidents/${event.incidentId}/snapshot.jpg`, police);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('media_pending');
  });

  it("a citizen's report photo sent to one process is shown by the other", async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ category: 'trom-cap', description: 'Mất xe đạp ở đầu ngõ', hamlet: 'ap-1' })) form.set(k, v);
    form.set('photo', new Blob([new Uint8Array(SNAPSHOT)], { type: 'image/jpeg' }), 'IMG_0001.jpg');
    const filed = await one.cloud.app.request('/api/v1/reports', { method: 'POST', body: form });
    expect(filed.status).toBe(201);
    const { code } = (await filed.json()) as { code: string };
    const { photo } = (await two.request('GET', `/api/v1/reports/${code}/details`, undefined, police)).body as { photo: { sha256: string; bytes: number } };

    const shown = await getRaw(two, `/api/v1/reports/${code}/photo.jpg`, police);
    expect(shown.status).toBe(200);
    const bytes = await bytesOf(shown);
    expect({ sha256: sha256(bytes), bytes: bytes.length }).toMatchObject({ sha256: photo.sha256, bytes: photo.bytes });
    const head = await getRaw(two, `/api/v1/reports/${code}/photo.jpg`, police, { range: 'bytes=0-2' });
    expect(head.status).toBe(206);
    expect([...(await bytesOf(head))]).toEqual([0xff, 0xd8, 0xff]); // the re-encoded JPEG's start
  });

  it("a bulletin's audio made by one process plays from the other, whole and by range", async () => {
    const made = await one.request('POST', '/api/v1/bulletins', { title: 'Họp dân', text: 'Tối nay họp dân ở nhà văn hoá.' });
    expect(made.status).toBe(201);
    const { id, asset } = made.body as { id: string; asset: { sha256: string; bytes: number } };

    const whole = await getRaw(two, `/api/v1/bulletins/${id}/audio`, two.adminToken);
    expect(whole.status).toBe(200);
    const bytes = await bytesOf(whole);
    expect({ sha256: sha256(bytes), bytes: bytes.length }).toEqual({ sha256: asset.sha256, bytes: asset.bytes });
    const part = await getRaw(two, `/api/v1/bulletins/${id}/audio`, two.adminToken, { range: 'bytes=4-' });
    expect(part.status).toBe(206);
    expect((await bytesOf(part)).equals(bytes.subarray(4))).toBe(true);
  });
});

describe('a bucket out of reach', () => {
  let test: TestCloud;
  beforeAll(async () => {
    // nothing listens there: every S3 request is refused at once
    const port = await freePort();
    test = await startTestCloud({
      SC_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      SC_S3_BUCKET: 'media',
      SC_S3_REGION: 'us-east-1',
      SC_S3_ACCESS_KEY_ID: 'key',
      SC_S3_SECRET_ACCESS_KEY: 'secret',
    });
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  it('does not stop the cloud from starting; an upload fails without being marked received, so the box retries', async () => {
    expect((await test.request('GET', '/healthz')).body).toMatchObject({ status: 'ok', media: { backend: 's3', bucket: 'media' } });
    const edge = await connectIncidentEdge(test, 'ap-1');
    try {
      const event = incidentEvent();
      await edge.publish(event);
      const failed = await edge.upload(event.incidentId, 'snapshot', SNAPSHOT);
      expect(failed.status).toBe(500);
      expect((await test.request('GET', `/api/v1/incidents/${event.incidentId}`)).body.snapshot.verified).toBe(false);
    } finally {
      await edge.close();
    }
  });
});
