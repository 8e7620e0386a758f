import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, loadPrivateKey, releaseKeySetSchema, signKeyRotation, type KeyRotationMessage, type ReleaseManifest, type ReleasePublicKey } from '@smart-commune/shared';
import { startEdgeDaemon, type EdgeDaemon } from '@smart-commune/edge';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge, provisionTestEdge, TEST_BACKOFF, type ProvisionedEdge } from '../../../test-support/edge.js';
import { UserStore } from '../../../cloud/src/users/user-store.js';
import { testReleaseKey } from '../../../test-support/release-bundle.js';
import { waitFor } from '../../../test-support/wait.js';
import { SESSION_COOKIE } from '../../../cloud/src/auth/session-cookie.js';
import { readJsonFile, writeJsonDurable } from '../../../edge/src/supervisor/durable.js';
import { edgeHomeLayout, type EdgeHomeLayout } from '../../../edge/src/supervisor/layout.js';
import { insertCommune } from '../../../test-support/places.js';

/*
 * Release key rotation delivered from the cloud, end to end: a real cloud (embedded Aedes over TCP) and
 * real edge daemons, each with a box home (keys/release-keys.json) as the supervisor gives it. The box
 * applies the message with the supervisor's own rotate-keys code and answers; the cloud records it.
 */
const current = testReleaseKey();
const next = testReleaseKey();

const rotation = (sequence: number, keys: ReleasePublicKey[], signer = current.privateKeyPem): KeyRotationMessage =>
  signKeyRotation({ type: 'sc-release-keys', sequence, issuedAt: new Date().toISOString(), keys }, loadPrivateKey(signer));

interface Box {
  edge: ProvisionedEdge;
  layout: EdgeHomeLayout;
  daemon: EdgeDaemon | null;
  start(): Promise<void>;
}

describe('release keys rotated from the cloud', () => {
  let test: TestCloud;
  const boxes: Box[] = [];
  let old: { edge: ProvisionedEdge; daemon: EdgeDaemon };

  const newBox = async (hamletCode: string): Promise<Box> => {
    const edge = await provisionTestEdge(test, hamletCode);
    const layout = edgeHomeLayout(mkdtempSync(join(tmpdir(), 'sc-keys-home-')));
    mkdirSync(layout.keys, { recursive: true });
    writeJsonDurable(layout.keysFile, { format: 1, sequence: 0, keys: [current.publicKey] });
    const box: Box = {
      edge,
      layout,
      daemon: null,
      async start() {
        box.daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF, supervised: { layout, release: '1.0.0', trial: false } });
      },
    };
    await box.start();
    return box;
  };
  const keysOf = (box: Box) => readJsonFile(box.layout.keysFile, releaseKeySetSchema)!;
  const announced = (edgeId: string, version: number) =>
    waitFor(async () => (await test.api('GET', `/api/v1/edges/${edgeId}`)).body.contract?.version === version, `contract ${version} of ${edgeId}`, 20_000);
  const rotate = (message: unknown, edgeIds: string[]) => test.api('POST', '/api/v1/release-keys/rotations', { message, target: { kind: 'edges', edgeIds } });

  beforeAll(async () => {
    test = await startTestCloud({ SC_TELEMETRY_INTERVAL_S: 2 });
    boxes.push(await newBox('ap-1'), await newBox('ap-2'));
    // a box of contract revision 2: it announces no updates.keys and answers the command as unknown
    const edge = await provisionTestEdge(test, 'ap-3');
    old = { edge, daemon: await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF, contractRevision: 2 }) };
    for (const box of boxes) await announced(box.edge.edgeId, CONTRACT_VERSION);
    await announced(old.edge.edgeId, 2);
  }, 60_000);

  afterAll(async () => {
    for (const box of boxes) {
      await box.daemon?.stop();
      rmSync(box.layout.home, { recursive: true, force: true });
    }
    await old?.daemon.stop();
    await test?.stop();
  });

  it('a box applies a rotation signed with a key it trusts, answers applied, and it is recorded and audited', async () => {
    const [box] = boxes;
    const res = await rotate(rotation(1, [current.publicKey, next.publicKey]), [box!.edge.edgeId]);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ sequence: 1, keyIds: [current.publicKey.keyId, next.publicKey.keyId], counts: { applied: 1, pending: 0, refused: 0 }, skipped: [] });
    expect(res.body.deliveries[0]).toMatchObject({ edgeId: box!.edge.edgeId, state: 'applied', code: null });
    expect(keysOf(box!)).toEqual({ format: 1, sequence: 1, keys: [current.publicKey, next.publicKey] });
    const audit = (await test.api('GET', '/api/v1/audit?action=releases.keys.rotate')).body;
    const entry = audit.items.find((e: { target: string }) => e.target === `key-rotation:${res.body.id}`);
    expect(entry).toMatchObject({ actor: 'admin', details: { sequence: 1, edges: [box!.edge.edgeId] } });
    expect((await test.api('GET', `/api/v1/release-keys/rotations/${res.body.id}`)).body.deliveries[0].state).toBe('applied');
  });

  it('refuses a rotation whose signature does not match, and one older than the box\'s keys; the keys stay as they were', async () => {
    const [box] = boxes;
    const genuine = rotation(2, [next.publicKey]);
    // the payload changed after signing (a key swapped in): the box's check fails
    const forged = { ...genuine, payload: genuine.payload.replace(`"sequence":2`, `"sequence":3`) };
    const bad = await rotate(forged, [box!.edge.edgeId]);
    expect(bad.status).toBe(201);
    expect(bad.body.deliveries[0]).toMatchObject({ state: 'refused', code: 'bad_signature' });
    expect(bad.body.deliveries[0].detail).toContain('does not match');

    const stale = await rotate(rotation(1, [current.publicKey]), [box!.edge.edgeId]);
    expect(stale.body.deliveries[0]).toMatchObject({ state: 'refused', code: 'stale_keys' });
    expect(keysOf(box!).sequence).toBe(1);

    const stranger = await rotate(rotation(2, [next.publicKey], testReleaseKey().privateKeyPem), [box!.edge.edgeId]);
    expect(stranger.body.deliveries[0]).toMatchObject({ state: 'refused', code: 'unknown_key' });
    expect(keysOf(box!)).toMatchObject({ sequence: 1, keys: [current.publicKey, next.publicKey] });
    const metrics = (await test.request<string>('GET', '/metrics', undefined, null)).body;
    expect(metrics).toContain('sc_release_key_rotation_answers_total{outcome="refused",code="bad_signature"} 1');
    expect(metrics).toContain('sc_release_key_rotation_answers_total{outcome="applied",code=""} 1');
  });

  it('answers 409 at once for a box whose version lacks the feature, sending and recording nothing', async () => {
    const before = (await test.api('GET', '/api/v1/release-keys/rotations')).body.rotations.length;
    const res = await rotate(rotation(1, [next.publicKey]), [boxes[1]!.edge.edgeId, old.edge.edgeId]);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'edge_unsupported', details: { feature: 'updates.keys', since: 3, edgeIds: [old.edge.edgeId] } });
    expect((await test.api('GET', '/api/v1/release-keys/rotations')).body.rotations.length).toBe(before);
    expect(keysOf(boxes[1]!).sequence).toBe(0); // the other, capable box was not sent it either
  });

  it('keeps the rotation pending for a box that is offline and delivers it when the box is back', async () => {
    const box = boxes[1]!;
    await box.daemon!.stop();
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${box.edge.edgeId}`)).body.online === false, 'the box offline', 20_000);
    const res = await rotate(rotation(1, [current.publicKey, next.publicKey]), [box.edge.edgeId]);
    expect(res.status).toBe(201);
    expect(res.body.deliveries[0]).toMatchObject({ state: 'pending', attempts: 0 });
    expect(keysOf(box).sequence).toBe(0);

    await box.start();
    const done = await waitFor(async () => {
      const r = (await test.api('GET', `/api/v1/release-keys/rotations/${res.body.id}`)).body;
      return r.deliveries[0].state === 'pending' ? null : r;
    }, 'the rotation delivered after the box came back', 30_000);
    expect(done.deliveries[0]).toMatchObject({ state: 'applied' });
    expect(keysOf(box)).toMatchObject({ sequence: 1, keys: [current.publicKey, next.publicKey] });
  });

  it('sends to every box that can take it, listing the older ones as skipped', async () => {
    // now signed with the new key, which both boxes trust since rotation 1
    const res = await test.api('POST', '/api/v1/release-keys/rotations', { message: rotation(2, [next.publicKey], next.privateKeyPem), target: { kind: 'all' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.skipped).toEqual([{ edgeId: old.edge.edgeId, edgeName: 'Tủ ap-3', reason: 'unsupported' }]);
    expect(res.body.counts).toEqual({ applied: 2, pending: 0, refused: 0 });
    for (const box of boxes) expect(keysOf(box)).toEqual({ format: 1, sequence: 2, keys: [next.publicKey] });
  });

  it('shows each rotation and every box\'s answer on the releases page; only an admin gets the form', async () => {
    const page = async (token: string) => (await test.cloud.app.request('/fleet/releases', { headers: { cookie: `${SESSION_COOKIE}=${token}` } })).text();
    const admin = await page(test.adminToken);
    expect(admin).toContain('Khóa ký bản phát hành của các tủ');
    expect(admin).toContain('id="rotate-keys"');
    expect(admin).toMatch(/data-state="refused">[^<]*<strong class="error-text">Từ chối<\/strong> <code>bad_signature<\/code>/);
    expect(admin).toContain('does not match its bytes');
    await test.api('POST', '/api/v1/users', { username: 'tech-k', role: 'technician', password: 'password-tech-k', mustChangePassword: false });
    const tech = await page(await test.login('tech-k', 'password-tech-k'));
    expect(tech).toContain('Đã áp dụng');
    expect(tech).not.toContain('id="rotate-keys"');
    expect((await test.request('POST', '/api/v1/release-keys/rotations', { message: rotation(9, [next.publicKey]), target: { kind: 'all' } }, await test.login('tech-k', 'password-tech-k'))).status).toBe(403);
  });

  it('shows a commune\'s people only their commune\'s boxes: another commune\'s rotation answers 404', async () => {
    await insertCommune(test.cloud.query, { code: 'xa-b', name: 'Xã B', district: 'Huyện B', province: 'Hậu Giang' }, [{ code: 'xb-1', name: 'Ấp B1', position: 100 }]);
    const other = await claimTestEdge(test, 'xb-1', 'Tủ xã B');
    const users = new UserStore(test.cloud.query);
    await users.create({ username: 'tech-vt', role: 'technician', password: 'password-tech-vt', communeCode: 'vi-tan', mustChangePassword: false });
    await users.create({ username: 'tech-xb', role: 'technician', password: 'password-tech-xb', communeCode: 'xa-b', mustChangePassword: false });
    const [vt, xb] = [await test.login('tech-vt', 'password-tech-vt'), await test.login('tech-xb', 'password-tech-xb')];
    const all = (await test.api('GET', '/api/v1/release-keys/rotations')).body.rotations as { id: string; deliveries: { edgeId: string }[] }[];
    expect(all.length).toBeGreaterThan(0);
    expect((await test.request('GET', '/api/v1/release-keys/rotations', undefined, xb)).body.rotations).toEqual([]);
    expect((await test.request('GET', `/api/v1/release-keys/rotations/${all[0]!.id}`, undefined, xb)).status).toBe(404);
    const seen = (await test.request('GET', '/api/v1/release-keys/rotations', undefined, vt)).body.rotations as typeof all;
    expect(seen.map((r) => r.id)).toEqual(all.map((r) => r.id));
    expect(seen.flatMap((r) => r.deliveries.map((d) => d.edgeId))).not.toContain(other.edgeId);
  });

  it("sends to the boxes of one rollout, the person's only, naming those too old or revoked since; another box is not sent it", async () => {
    const [inRollout, outside] = boxes as [Box, Box];
    const other = (await test.cloud.query.db.selectFrom('edges').select('id').where('hamlet_code', '=', 'xb-1').executeTakeFirstOrThrow()).id;
    const revoked = await claimTestEdge(test, 'ap-4', 'Tủ đã thu hồi');
    expect((await test.api('POST', `/api/v1/edges/${revoked.edgeId}/revoke`)).status).toBe(200);
    const rollouts = test.cloud.releases.rollouts;
    // a rollout needs its release stored (the row only: nothing downloads the bundle here)
    const manifest = { version: '9.9.9', arch: 'x64', product: 'edge', files: [{ path: 'a', bytes: 1, sha256: 'x' }], minCloudVersion: null, contractVersion: '3' } as unknown as ReleaseManifest;
    await test.cloud.releases.store.insert({ manifest, manifestJson: JSON.stringify(manifest), bytes: 1, sha256: 's-9.9.9', fileName: '9.9.9.tar', uploadedBy: 'admin', at: Date.now() });
    const makeRollout = async (id: string, edgeIds: string[]) =>
      expect(await rollouts.create({ id, version: '9.9.9', scope: { kind: 'edges', edgeIds }, waves: [], soakS: 0, failureThreshold: 0, createdBy: 'admin', at: Date.now(), boxes: edgeIds.map((edgeId) => ({ edgeId, wave: 0, fromVersion: '1.0.0' })) })).toBe('created');
    // the rollout reaches one capable box, one too old, one of Xã B that never connected, one revoked since
    // a box is in one rollout under way at a time: the old box's own rollout came first and was cancelled
    await makeRollout('rol_keysold', [old.edge.edgeId]);
    expect(await rollouts.update('rol_keysold', { state: 'cancelled', finishedAt: Date.now() }, Date.now(), { states: ['running'] })).toBe(true);
    await makeRollout('rol_keys', [inRollout.edge.edgeId, old.edge.edgeId, other, revoked.edgeId]);

    const res = await test.api('POST', '/api/v1/release-keys/rotations', { message: rotation(3, [next.publicKey, current.publicKey], next.privateKeyPem), target: { kind: 'rollout', rolloutId: 'rol_keys' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.deliveries.map((d: { edgeId: string }) => d.edgeId)).toEqual([inRollout.edge.edgeId]);
    expect(res.body.counts).toEqual({ applied: 1, pending: 0, refused: 0 });
    expect(res.body.skipped).toEqual([
      { edgeId: old.edge.edgeId, edgeName: 'Tủ ap-3', reason: 'unsupported' },
      { edgeId: other, edgeName: 'Tủ xã B', reason: 'unsupported' },
      { edgeId: revoked.edgeId, edgeName: 'Tủ đã thu hồi', reason: 'inactive' },
    ]);
    expect(keysOf(inRollout)).toEqual({ format: 1, sequence: 3, keys: [next.publicKey, current.publicKey] });
    expect(keysOf(outside).sequence).toBe(2); // not the rollout's: not sent it
    const audit = (await test.api('GET', '/api/v1/audit?action=releases.keys.rotate')).body;
    expect(audit.items.find((e: { target: string }) => e.target === `key-rotation:${res.body.id}`)).toMatchObject({ details: { rolloutId: 'rol_keys', edges: [inRollout.edge.edgeId] } });

    // a rollout none of whose boxes can take it, and one that does not exist: nothing recorded
    const before = (await test.api('GET', '/api/v1/release-keys/rotations')).body.rotations.length;
    const none = await test.api('POST', '/api/v1/release-keys/rotations', { message: rotation(4, [next.publicKey], next.privateKeyPem), target: { kind: 'rollout', rolloutId: 'rol_keysold' } });
    expect(none.status).toBe(409);
    expect(none.body.error).toMatchObject({ code: 'no_boxes', details: { skipped: [{ edgeId: old.edge.edgeId, reason: 'unsupported' }] } });
    const missing = await test.api('POST', '/api/v1/release-keys/rotations', { message: rotation(4, [next.publicKey], next.privateKeyPem), target: { kind: 'rollout', rolloutId: 'rol_nothere' } });
    expect(missing.status).toBe(404);
    expect((await test.api('GET', '/api/v1/release-keys/rotations')).body.rotations.length).toBe(before);

    // scoped (sending is province-level today, so through the domain): Xã B's person reaches only Xã B's box of
    // the rollout, and a rollout with none of theirs is the same 404 as one that does not exist
    const rotations = test.cloud.releases.keyRotations;
    const asXaB = { username: 'admin-xb', communeCode: 'xa-b' };
    await expect(rotations.rotate(asXaB, { message: rotation(4, [next.publicKey], next.privateKeyPem), target: { kind: 'rollout', rolloutId: 'rol_keysold' } }, null)).rejects.toMatchObject({ status: 404 });
    const mine = rotations.rotate(asXaB, { message: rotation(4, [next.publicKey], next.privateKeyPem), target: { kind: 'rollout', rolloutId: 'rol_keys' } }, null);
    await expect(mine).rejects.toMatchObject({ status: 409, code: 'no_boxes', details: { skipped: [{ edgeId: other, reason: 'unsupported' }] } });
    expect(keysOf(inRollout).sequence).toBe(3);
  });

  it("offers the rollouts in the admin's rotation form", async () => {
    const admin = await (await test.cloud.app.request('/fleet/releases', { headers: { cookie: `${SESSION_COOKIE}=${test.adminToken}` } })).text();
    expect(admin).toContain('<option value="rollout">Các tủ của một đợt cập nhật</option>');
    expect(admin).toMatch(/<select id="k-rollout" name="rollout">.*<option value="rol_keys">Bản 9\.9\.9 · [^<]+ · Đang chạy · 4 tủ<\/option>/s);
  });
});
