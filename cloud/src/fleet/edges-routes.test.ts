import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type Reply, type TestCloud } from '../../../test-support/cloud.js';

describe('edges API', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  const request = (method: string, path: string, body?: unknown, token: string | null = test.adminToken): Promise<Reply> => test.request(method, path, body, token);
  const deviceMe = (username: string, password: string) =>
    test.cloud.app.request('/api/v1/provision/me', { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });

  const createEdge = async (name: string, hamletCode: string, extra: Record<string, unknown> = {}) => {
    const res = await request('POST', '/api/v1/edges', { name, hamletCode, ...extra });
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string };
  };
  const issueToken = async (edgeId: string, body?: unknown) => {
    const res = await request('POST', `/api/v1/edges/${edgeId}/claim-tokens`, body);
    expect(res.status).toBe(201);
    return res.body as { token: string; edgeId: string; expiresAt: number; command: string };
  };
  const claim = (token: string, hostname?: string) => request('POST', '/api/v1/provision/claim', hostname ? { token, hostname } : { token }, null);
  const claimEdge = async (edgeId: string) => {
    const res = await claim((await issueToken(edgeId)).token, 'tu-dien-1');
    expect(res.status).toBe(200);
    return res.body as { edgeId: string; mqtt: { username: string; password: string } };
  };

  describe('POST /api/v1/edges', () => {
    it('creates an unclaimed edge in a hamlet', async () => {
      const res = await request('POST', '/api/v1/edges', { name: 'Tủ loa chợ Vị Tân', hamletCode: 'ap-2a', lat: 9.77, lon: 105.47, notes: 'cột điện trước UBND' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'Tủ loa chợ Vị Tân',
        hamletCode: 'ap-2a',
        hamletName: 'Ấp 2A',
        lat: 9.77,
        lon: 105.47,
        notes: 'cột điện trước UBND',
        status: 'unclaimed',
        online: false,
        hostname: null,
        claimedAt: null,
        lastSeenAt: null,
        telemetry: null,
      });
      expect(res.body.id).toMatch(/^edg_[0-9a-z]{12}$/);
      expect((await request('GET', `/api/v1/edges/${res.body.id}`)).body).toEqual(res.body);
    });

    it('refuses an unknown hamlet code with 400 naming it, and creates nothing', async () => {
      const res = await request('POST', '/api/v1/edges', { name: 'Tủ X', hamletCode: 'ap-99' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
      expect(res.body.error.message).toContain('"ap-99"');
      expect((await request('GET', '/api/v1/edges')).body.edges).toEqual([]);
    });

    it('refuses a malformed edge with 400 validation_failed naming the fields', async () => {
      const res = await request('POST', '/api/v1/edges', { name: '   ', hamletCode: 'ap-1', lon: 181 });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['lon', 'name']);
    });
  });

  describe('GET /api/v1/edges', () => {
    it('lists edges in hamlet order and filters by hamlet and status', async () => {
      const a7 = await createEdge('Tủ Ấp 7', 'ap-7');
      const b1 = await createEdge('Tủ B Ấp 1', 'ap-1');
      const a1 = await createEdge('Tủ A Ấp 1', 'ap-1');
      const a2 = await createEdge('Tủ Ấp 2', 'ap-2');
      await claimEdge(b1.id);

      const ids = async (query: string) => ((await request('GET', `/api/v1/edges${query}`)).body.edges as { id: string }[]).map((e) => e.id);
      expect(await ids('')).toEqual([a1.id, b1.id, a2.id, a7.id]);
      expect(await ids('?hamlet=ap-1')).toEqual([a1.id, b1.id]);
      expect(await ids('?status=unclaimed')).toEqual([a1.id, a2.id, a7.id]);
      expect(await ids('?status=active')).toEqual([b1.id]);
      expect(await ids('?hamlet=ap-1&status=unclaimed')).toEqual([a1.id]);
      expect(await ids('?hamlet=ap-3')).toEqual([]);
      expect(await ids('?online=false')).toEqual([a1.id, b1.id, a2.id, a7.id]);
      expect(await ids('?online=true')).toEqual([]);
    });

    it('refuses a malformed filter with 400 naming it', async () => {
      const res = await request('GET', '/api/v1/edges?hamlet=Ấp%201');
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['hamlet']);
    });
  });

  describe('GET, PATCH and DELETE /api/v1/edges/{id}', () => {
    it('answers an unknown id with 404 in the error format', async () => {
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { name: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        const res = await request(method, '/api/v1/edges/edg_doesnotexist', body);
        expect(res.status, method).toBe(404);
        expect(res.body).toEqual({ error: { code: 'not_found', message: 'edge edg_doesnotexist not found' } });
      }
    });

    it('changes name, hamlet, position and notes, keeping what is not sent', async () => {
      const edge = await createEdge('Tủ cũ', 'ap-3', { lat: 9.7, lon: 105.4, notes: 'ghi chú' });
      const res = await request('PATCH', `/api/v1/edges/${edge.id}`, { name: 'Tủ mới', hamletCode: 'ap-3a' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'Tủ mới', hamletCode: 'ap-3a', hamletName: 'Ấp 3A', lat: 9.7, lon: 105.4, notes: 'ghi chú' });
      const cleared = await request('PATCH', `/api/v1/edges/${edge.id}`, { lat: null, lon: null });
      expect(cleared.body).toMatchObject({ name: 'Tủ mới', lat: null, lon: null });
      expect((await request('GET', `/api/v1/edges/${edge.id}`)).body).toMatchObject({ name: 'Tủ mới', hamletCode: 'ap-3a', lat: null });
    });

    it('refuses a move to an unknown hamlet with 400 and keeps the edge where it was', async () => {
      const edge = await createEdge('Tủ', 'ap-4');
      const res = await request('PATCH', `/api/v1/edges/${edge.id}`, { hamletCode: 'ap-40' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('"ap-40"');
      expect((await request('GET', `/api/v1/edges/${edge.id}`)).body.hamletCode).toBe('ap-4');
    });

    it('deletes an edge (204): gone, its credentials and unused claim tokens stop working', async () => {
      const edge = await createEdge('Tủ bỏ', 'ap-5');
      const { mqtt } = await claimEdge(edge.id);
      const unused = await issueToken(edge.id);
      expect((await deviceMe(mqtt.username, mqtt.password)).status).toBe(200);

      const res = await test.cloud.app.request(`/api/v1/edges/${edge.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${test.adminToken}` } });
      expect(res.status).toBe(204);
      expect((await request('GET', `/api/v1/edges/${edge.id}`)).status).toBe(404);
      expect((await deviceMe(mqtt.username, mqtt.password)).status).toBe(401);
      const late = await claim(unused.token);
      expect(late.status).toBe(401);
      expect(late.body.error.code).toBe('claim_token_invalid');
    });
  });

  describe('claim tokens and claiming', () => {
    it('issues a one-time token with the provisioning command for the technician', async () => {
      const edge = await createEdge('Tủ Ấp 6', 'ap-6');
      const before = Date.now();
      const res = await issueToken(edge.id);
      expect(res.edgeId).toBe(edge.id);
      expect(res.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.command).toBe(`sc-edge provision --cloud http://localhost --token ${res.token}`);
      expect(res.expiresAt).toBeGreaterThanOrEqual(before + 24 * 3600_000);
      expect(res.expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    });

    it('takes a shorter lifetime in hours', async () => {
      const edge = await createEdge('Tủ', 'ap-6');
      const before = Date.now();
      const res = await issueToken(edge.id, { ttlHours: 2 });
      expect(res.expiresAt).toBeGreaterThanOrEqual(before + 2 * 3600_000);
      expect(res.expiresAt).toBeLessThanOrEqual(Date.now() + 2 * 3600_000);
    });

    it('refuses a negative lifetime and an unknown edge', async () => {
      const edge = await createEdge('Tủ', 'ap-6');
      const negative = await request('POST', `/api/v1/edges/${edge.id}/claim-tokens`, { ttlHours: -1 });
      expect(negative.status).toBe(400);
      expect(negative.body.error.details.map((d: { path: string }) => d.path)).toEqual(['ttlHours']);
      expect((await request('POST', '/api/v1/edges/edg_doesnotexist/claim-tokens')).status).toBe(404);
    });

    it('accepts the usual JSON content-type header without a body, as the body is optional', async () => {
      const edge = await createEdge('Tủ', 'ap-6');
      const res = await test.cloud.app.request(`/api/v1/edges/${edge.id}/claim-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json' },
      });
      expect(await res.json()).toMatchObject({ edgeId: edge.id });
      expect(res.status).toBe(201);
    });

    it('answers a malformed JSON body with 400 bad_request, not a server error', async () => {
      const edge = await createEdge('Tủ', 'ap-6');
      const res = await test.cloud.app.request(`/api/v1/edges/${edge.id}/claim-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json' },
        body: '{"ttlHours": ',
      });
      expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
      expect(res.status).toBe(400);
    });

    it('exchanges the token for the box identity and its own credentials', async () => {
      const edge = await createEdge('Tủ Ấp 1', 'ap-1');
      const { token } = await issueToken(edge.id);
      const res = await claim(token, 'tu-ap-1');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ edgeId: edge.id, name: 'Tủ Ấp 1', hamletCode: 'ap-1', cloudUrl: 'http://localhost', telemetryIntervalS: 10 });
      expect(res.body.mqtt.username).toBe(edge.id);
      expect(res.body.mqtt.url).toMatch(/^mqtt:\/\/localhost:\d+$/);
      expect(res.body.mqtt.password.length).toBeGreaterThanOrEqual(43);

      const after = (await request('GET', `/api/v1/edges/${edge.id}`)).body;
      expect(after).toMatchObject({ status: 'active', hostname: 'tu-ap-1' });
      expect(after.claimedAt).toBeGreaterThan(0);
      const me = await deviceMe(edge.id, res.body.mqtt.password);
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({ edgeId: edge.id });
      expect((await deviceMe(edge.id, 'wrong-password')).status).toBe(401);

      const config = await request('GET', `/api/v1/edges/${edge.id}/config`);
      expect(config.body).toMatchObject({ version: 1, body: { telemetryIntervalS: 10 }, reported: null });
    });

    it('refuses a token twice', async () => {
      const edge = await createEdge('Tủ', 'ap-1');
      const { token } = await issueToken(edge.id);
      expect((await claim(token)).status).toBe(200);
      const again = await claim(token);
      expect(again.status).toBe(410);
      expect(again.body.error.code).toBe('gone');
    });
  });

  describe('revoke', () => {
    it('refuses the box credentials and an earlier unused claim token', async () => {
      const edge = await createEdge('Tủ bị mất', 'ap-2');
      const { mqtt } = await claimEdge(edge.id);
      const earlier = await issueToken(edge.id);

      const res = await request('POST', `/api/v1/edges/${edge.id}/revoke`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: edge.id, status: 'revoked', online: false, offlineReason: 'revoked' });

      expect((await deviceMe(mqtt.username, mqtt.password)).status).toBe(401);
      const late = await claim(earlier.token);
      expect(late.status).toBe(410);
      expect(late.body.error.code).toBe('gone');
      expect((await request('GET', `/api/v1/edges/${edge.id}`)).body.status).toBe('revoked');
    });

    it('refuses an unused token of a never-claimed box once it is revoked', async () => {
      const edge = await createEdge('Tủ', 'ap-2');
      const { token } = await issueToken(edge.id);
      expect((await request('POST', `/api/v1/edges/${edge.id}/revoke`)).status).toBe(200);
      expect((await claim(token)).status).toBe(410);
      expect((await request('GET', `/api/v1/edges/${edge.id}`)).body.status).toBe('revoked');
    });

    it('lets a token issued after the revocation bring the box back', async () => {
      const edge = await createEdge('Tủ', 'ap-2');
      await claimEdge(edge.id);
      await request('POST', `/api/v1/edges/${edge.id}/revoke`);
      const fresh = await issueToken(edge.id);
      const res = await claim(fresh.token);
      expect(res.status).toBe(200);
      expect((await deviceMe(edge.id, res.body.mqtt.password)).status).toBe(200);
      expect((await request('GET', `/api/v1/edges/${edge.id}`)).body.status).toBe('active');
    });

    it('answers 404 for an unknown edge', async () => {
      const res = await request('POST', '/api/v1/edges/edg_doesnotexist/revoke');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });
  });

  describe('rotate, ping and config', () => {
    it('refuses to rotate or ping a box that was never claimed (409)', async () => {
      const edge = await createEdge('Tủ', 'ap-5');
      for (const action of ['rotate', 'ping']) {
        const res = await request('POST', `/api/v1/edges/${edge.id}/${action}`);
        expect(res.status, action).toBe(409);
        expect(res.body.error.code).toBe('conflict');
      }
    });

    it('rotates an offline box by a new claim token; its old credentials stop working', async () => {
      const edge = await createEdge('Tủ', 'ap-5');
      const { mqtt } = await claimEdge(edge.id);
      const res = await request('POST', `/api/v1/edges/${edge.id}/rotate`);
      expect(res.status).toBe(200);
      expect(res.body.mode).toBe('claim');
      expect(res.body.claimToken.edgeId).toBe(edge.id);
      expect(res.body.claimToken.command).toBe(`sc-edge provision --cloud http://localhost --token ${res.body.claimToken.token}`);
      expect((await deviceMe(mqtt.username, mqtt.password)).status).toBe(401);
      const reclaimed = await claim(res.body.claimToken.token);
      expect(reclaimed.status).toBe(200);
      expect((await deviceMe(edge.id, reclaimed.body.mqtt.password)).status).toBe(200);
    });

    it('versions the config document and refuses config for a revoked box', async () => {
      const edge = await createEdge('Tủ', 'ap-5');
      expect((await request('GET', `/api/v1/edges/${edge.id}/config`)).status).toBe(404);
      await claimEdge(edge.id);
      const put = await request('PUT', `/api/v1/edges/${edge.id}/config`, { telemetryIntervalS: 30, logLevel: 'debug' });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ version: 2, body: { telemetryIntervalS: 30, logLevel: 'debug' } });
      expect((await request('GET', `/api/v1/edges/${edge.id}/config`)).body.version).toBe(2);
      const invalid = await request('PUT', `/api/v1/edges/${edge.id}/config`, { telemetryIntervalS: 1 });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.details.map((d: { path: string }) => d.path)).toEqual(['telemetryIntervalS']);

      await request('POST', `/api/v1/edges/${edge.id}/revoke`);
      const refused = await request('PUT', `/api/v1/edges/${edge.id}/config`, { telemetryIntervalS: 20 });
      expect(refused.status).toBe(409);
    });
  });
});

describe('edges API behind a public URL', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud({ SC_PUBLIC_URL: 'https://xa-vitan.example.vn' });
  });
  afterEach(async () => {
    await test.stop();
  });

  it('puts the configured public URL in the provisioning command and the claim answer', async () => {
    const headers = { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json' };
    const edge = (await (await test.cloud.app.request('/api/v1/edges', { method: 'POST', headers, body: JSON.stringify({ name: 'Tủ', hamletCode: 'ap-1' }) })).json()) as { id: string };
    const token = (await (await test.cloud.app.request(`/api/v1/edges/${edge.id}/claim-tokens`, { method: 'POST', headers, body: '{}' })).json()) as {
      token: string;
      command: string;
    };
    expect(token.command).toBe(`sc-edge provision --cloud https://xa-vitan.example.vn --token ${token.token}`);
    const claimed = await test.cloud.app.request('/api/v1/provision/claim', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: token.token }) });
    expect(((await claimed.json()) as { cloudUrl: string }).cloudUrl).toBe('https://xa-vitan.example.vn');
  });
});
