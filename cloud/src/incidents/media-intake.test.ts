import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { incidentEventSchema, newId } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { UserStore } from '../users/user-store.js';
import { loadExportSigner } from '../evidence/signing-key.js';
import { createIncidents } from './incidents.js';
import { mediaPath } from '../storage/media-key.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { sleep } from '../../../test-support/wait.js';
import { announce, CLIP, connectIncidentEdge, incidentEvent, sha256, SNAPSHOT, uploadAs, type IncidentEdge } from './testing/incident-kit.js';

describe('incidents from edges: metadata over MQTT, files over HTTP', () => {
  let test: TestCloud;
  let edge: IncidentEdge;
  beforeEach(async () => {
    test = await startTestCloud({ SC_INCIDENT_SNAPSHOT_MAX_BYTES: 200_000, SC_INCIDENT_CLIP_MAX_BYTES: 1_000_000 });
    edge = await connectIncidentEdge(test, 'ap-2a');
  });
  afterEach(async () => {
    await edge.close();
    await test.stop();
  });

  const incident = async (id: string) => (await test.request('GET', `/api/v1/incidents/${id}`)).body;
  const auditOf = async (id: string, action: string) =>
    (await test.cloud.audit.trail(`incident:${id}`)).filter((e) => e.action === action);
  const rejected = async (reason: string) =>
    (await test.cloud.metrics.incidentMediaRejected.get()).values.filter((v) => v.labels.reason === reason).reduce((n, v) => n + v.value, 0);

  it('keeps the latest facts of an incident and never forgets media announced or received earlier', async () => {
    const first = incidentEvent({ score: 0.71 });
    const firstTs = Date.now();
    await edge.publish(first, { ts: firstTs });
    expect(await incident(first.incidentId)).toMatchObject({
      edgeId: edge.edgeId,
      hamletCode: 'ap-2a',
      hamletName: 'Ấp 2A',
      status: 'new',
      score: 0.71,
      clip: null,
      snapshot: { sha256: sha256(SNAPSHOT), bytes: SNAPSHOT.length, verified: false, receivedAt: null, url: `/api/v1/incidents/${first.incidentId}/snapshot.jpg` },
    });

    // the clip is ready: the edge sends the incident again, this time without repeating the snapshot
    // (its facts can still change: nobody reviews it yet and no file is verified, see incident-versions.test.ts)
    const endedAt = first.detectedAt + 8000;
    const second = { ...first, score: 0.9, endedAt, snapshot: null, clip: { ...announce(CLIP), durationMs: 20_000 } };
    await edge.publish(second, { ts: firstTs + 10 });
    // and a late resend of the first event (new event id, older timestamp) arrives afterwards
    await edge.publish(first, { ts: firstTs - 5 });
    const after = await incident(first.incidentId);
    expect(after).toMatchObject({ score: 0.9, endedAt, snapshot: { sha256: sha256(SNAPSHOT), verified: false }, clip: { sha256: sha256(CLIP), durationMs: 20_000, verified: false } });

    expect((await edge.upload(first.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    expect((await incident(first.incidentId)).snapshot.verified).toBe(true);
    expect((await edge.upload(first.incidentId, 'clip', CLIP)).body).toMatchObject({ outcome: 'stored', sha256: sha256(CLIP), bytes: CLIP.length });
    expect((await incident(first.incidentId)).clip.verified).toBe(true);
    expect((await test.request('GET', '/api/v1/incidents')).body.total).toBe(1);
    expect((await auditOf(first.incidentId, 'incident.media_received')).map((e) => e.details?.kind)).toEqual(['snapshot', 'clip']);
  });

  it('answers 409 while the metadata has not arrived, so the edge retries, and accepts the file afterwards', async () => {
    const event = incidentEvent();
    expect(await edge.upload(event.incidentId, 'snapshot', SNAPSHOT)).toMatchObject({ status: 409, body: { error: { code: 'metadata_pending' } } });
    await edge.publish(event);
    expect((await edge.upload(event.incidentId, 'clip', CLIP)).status).toBe(409); // the clip is not announced yet
    expect((await edge.upload(event.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    expect(await rejected('metadata_pending')).toBe(2);
    expect(await auditOf(event.incidentId, 'incident.media_refused')).toEqual([]);
  });

  it('refuses a file whose hash does not match, logs it in the audit and the metrics, and keeps nothing', async () => {
    const event = incidentEvent();
    await edge.publish(event);
    const tampered = Buffer.from(SNAPSHOT);
    tampered[5000] = (tampered[5000]! + 1) % 256;

    const headerDiffers = await edge.upload(event.incidentId, 'snapshot', tampered);
    expect(headerDiffers).toMatchObject({ status: 422, body: { error: { code: 'hash_mismatch' } } });
    const bodyDiffers = await edge.upload(event.incidentId, 'snapshot', tampered, { sha256: sha256(SNAPSHOT) });
    expect(bodyDiffers).toMatchObject({ status: 422, body: { error: { code: 'hash_mismatch' } } });

    expect(await rejected('hash_mismatch')).toBe(2);
    const refusals = (await auditOf(event.incidentId, 'incident.media_refused'));
    expect(refusals).toHaveLength(2);
    expect(refusals[1]).toMatchObject({ actor: `edge:${edge.edgeId}`, details: { kind: 'snapshot', reason: 'hash_mismatch', status: 422, computed: sha256(tampered), announced: sha256(SNAPSHOT) } });
    expect((await incident(event.incidentId)).snapshot.verified).toBe(false);
    expect(await test.cloud.incidents.files.has(sha256(tampered), 'snapshot')).toBe(false);
    expect(await test.cloud.incidents.files.has(sha256(SNAPSHOT), 'snapshot')).toBe(false);
    expect(readdirSync(join(test.dataDir, 'incidents', 'tmp'))).toEqual([]); // no upload left half-written either
  });

  it('refuses uploads to another edge\'s incident, and another edge cannot rewrite the incident', async () => {
    const event = incidentEvent();
    await edge.publish(event);
    const other = await connectIncidentEdge(test, 'ap-3');
    try {
      expect(await other.upload(event.incidentId, 'snapshot', SNAPSHOT)).toMatchObject({ status: 403, body: { error: { code: 'foreign_incident' } } });
      expect((await auditOf(event.incidentId, 'incident.media_refused'))[0]).toMatchObject({ actor: `edge:${other.edgeId}`, details: { reason: 'foreign_incident' } });
      await other.publish({ ...event, label: 'car', snapshot: announce(CLIP) });
      expect(await incident(event.incidentId)).toMatchObject({ edgeId: edge.edgeId, label: 'person', snapshot: { sha256: sha256(SNAPSHOT) } });
    } finally {
      await other.close();
    }
    expect((await uploadAs(test, { edgeId: edge.edgeId, password: 'not-the-password' }, event.incidentId, 'snapshot', SNAPSHOT)).status).toBe(401);
  });

  it('is idempotent: the same file again answers 200 without rewriting it', async () => {
    const event = incidentEvent();
    await edge.publish(event);
    expect((await edge.upload(event.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    const file = join(test.dataDir, mediaPath(test.cloud.incidents.files.keyOf(sha256(SNAPSHOT), 'snapshot'))); // the local store's file
    const written = statSync(file).mtimeMs;
    await sleep(20);
    expect(await edge.upload(event.incidentId, 'snapshot', SNAPSHOT)).toMatchObject({ status: 200, body: { outcome: 'already_received' } });
    expect(statSync(file).mtimeMs).toBe(written);
    expect(await auditOf(event.incidentId, 'incident.media_received')).toHaveLength(1);
  });

  it('refuses a body shorter or longer than its metadata says while it streams, storing nothing', async () => {
    const event = incidentEvent();
    await edge.publish(event);
    const short = await edge.upload(event.incidentId, 'snapshot', SNAPSHOT.subarray(0, SNAPSHOT.length - 10), { sha256: sha256(SNAPSHOT) });
    expect(short).toMatchObject({ status: 422, body: { error: { code: 'size_mismatch' } } });
    const long = await edge.upload(event.incidentId, 'snapshot', Buffer.concat([SNAPSHOT, Buffer.from([0])]), { sha256: sha256(SNAPSHOT) });
    expect(long).toMatchObject({ status: 422, body: { error: { code: 'size_mismatch' } } });
    expect((await auditOf(event.incidentId, 'incident.media_refused')).map((e) => e.details)).toEqual([
      expect.objectContaining({ reason: 'size_mismatch', announcedBytes: SNAPSHOT.length }),
      expect.objectContaining({ reason: 'size_mismatch', announcedBytes: SNAPSHOT.length }),
    ]);
    expect(await test.cloud.incidents.files.has(sha256(SNAPSHOT), 'snapshot')).toBe(false);
    expect(readdirSync(join(test.dataDir, 'incidents', 'tmp'))).toEqual([]);
    // the right bytes afterwards are taken
    expect((await edge.upload(event.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
  });

  it('checks the format and the size caps', async () => {
    const notJpeg = Buffer.concat([Buffer.from('GIF89a'), SNAPSHOT.subarray(6)]);
    const event = incidentEvent({ snapshot: announce(notJpeg), clip: { ...announce(SNAPSHOT), durationMs: 10_000 } });
    await edge.publish(event);
    expect((await edge.upload(event.incidentId, 'snapshot', notJpeg)).body.error.code).toBe('wrong_content');
    expect((await edge.upload(event.incidentId, 'clip', SNAPSHOT)).body.error.code).toBe('wrong_content');
    expect((await edge.upload(event.incidentId, 'snapshot', notJpeg, { contentType: 'text/html' })).status).toBe(415);

    const big = Buffer.concat([SNAPSHOT, SNAPSHOT, SNAPSHOT]);
    const large = incidentEvent({ snapshot: announce(big) });
    await edge.publish(large);
    expect(await edge.upload(large.incidentId, 'snapshot', big)).toMatchObject({ status: 413, body: { error: { code: 'too_large' } } });
    expect((await auditOf(large.incidentId, 'incident.media_refused'))[0]?.details).toMatchObject({ reason: 'too_large', status: 413 });
  });
  it('catches up on incident events stored while the incidents domain was not listening', async () => {
    await test.cloud.incidents.stop();
    const event = incidentEvent();
    const eventId = newId('evt', 16);
    await test.cloud.fleet.events.record(edge.edgeId, 'incident', { eventId, ts: Date.now(), body: incidentEventSchema.parse(event) });
    expect(await test.cloud.incidents.store.get(event.incidentId)).toBeNull();
    const { query, events, audit, metrics, config, media } = test.cloud;
    const again = await createIncidents({ query, bus: events, users: new UserStore(query), audit, metrics, logger: silentLogger(), config, signer: loadExportSigner(config), media });
    try {
      expect(await again.store.get(event.incidentId)).toMatchObject({ edgeId: edge.edgeId, hamletCode: 'ap-2a', label: 'person' });
      expect(await again.store.unapplied()).toEqual([]);
    } finally {
      await again.stop();
    }
  });
});
