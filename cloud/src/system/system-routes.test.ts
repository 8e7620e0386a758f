import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_DATABASE, type TestCloud } from '../../../test-support/cloud.js';

interface Operation {
  description?: string;
  security?: Record<string, string[]>[];
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

describe('system routes', () => {
  let test: TestCloud;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    test = await startTestCloud();
    doc = (await (await test.cloud.app.request('/api/v1/openapi.json')).json()) as OpenApiDoc;
  });
  afterAll(async () => {
    await test.stop();
  });

  describe('GET /healthz', () => {
    it('answers 200 {status:"ok"} without credentials', async () => {
      const res = await test.cloud.app.request('/healthz');
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'ok', database: TEST_DATABASE, edgesOnline: 0, edgesConnected: 0 });
      expect(body.uptimeS).toBeGreaterThanOrEqual(0);
    });

    it('counts the boxes the cloud considers online', async () => {
      const headers = { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json' };
      const edge = (await (await test.cloud.app.request('/api/v1/edges', { method: 'POST', headers, body: JSON.stringify({ name: 'Tủ', hamletCode: 'ap-1' }) })).json()) as { id: string };
      await test.cloud.fleet.presence.onAvailability(edge.id, { state: 'online', ts: Date.now() });
      try {
        expect(((await (await test.cloud.app.request('/healthz')).json()) as { edgesOnline: number }).edgesOnline).toBe(1);
      } finally {
        await test.cloud.fleet.presence.markOffline(edge.id, 'revoked');
      }
    });
  });

  describe('GET /metrics', () => {
    it('serves Prometheus text with the fleet, MQTT and HTTP metrics', async () => {
      await test.cloud.app.request('/api/v1/hamlets', { headers: { authorization: `Bearer ${test.adminToken}` } });
      const res = await test.cloud.app.request('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      for (const name of ['sc_edges_connected', 'sc_edges_online', 'sc_mqtt_messages_in_total', 'sc_mqtt_messages_out_total', 'sc_mqtt_rejected_total', 'sc_http_request_duration_seconds']) {
        expect(text, name).toMatch(new RegExp(`^# TYPE ${name} (gauge|counter|histogram)$`, 'm'));
      }
      expect(text).toMatch(/^sc_edges_connected 0$/m);
      expect(text).toMatch(/^sc_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/hamlets",status="200"\} [1-9]\d*$/m);
      // process metrics of the cloud itself
      expect(text).toMatch(/^sc_cloud_process_cpu_seconds_total /m);
    });

    it('labels HTTP latency by route pattern, not by concrete id', async () => {
      await test.cloud.app.request('/api/v1/edges/edg_aaaaaaaaaaaa', { headers: { authorization: `Bearer ${test.adminToken}` } });
      await test.cloud.app.request('/api/v1/edges/edg_bbbbbbbbbbbb', { headers: { authorization: `Bearer ${test.adminToken}` } });
      const text = await (await test.cloud.app.request('/metrics')).text();
      expect(text).toMatch(/^sc_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/edges\/:id",status="404"\} 2$/m);
      expect(text).not.toContain('edg_aaaaaaaaaaaa');
    });
  });

  describe('GET /api/v1/openapi.json', () => {
    it('is an OpenAPI 3.1 document of the control plane', () => {
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.title).toBe('Smart Commune control plane');
      expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'brokerBasic', 'brokerToken', 'deviceBasic']);
    });

    it('lists the fleet, provisioning, auth and users paths', () => {
      for (const path of [
        '/api/v1/edges',
        '/api/v1/edges/{id}',
        '/api/v1/edges/{id}/claim-tokens',
        '/api/v1/edges/{id}/revoke',
        '/api/v1/edges/{id}/rotate',
        '/api/v1/provision/claim',
        '/api/v1/auth/token',
        '/api/v1/users',
        '/api/v1/users/{id}',
        '/api/v1/hamlets',
      ]) {
        expect(doc.paths, path).toHaveProperty([path]);
      }
    });

    it("states each operation's access in its description", () => {
      const access = (path: string, method: string) => /Access: [^\n]*$/.exec(doc.paths[path]?.[method]?.description ?? '')?.[0];
      expect(access('/api/v1/edges', 'get')).toBe('Access: admin, technician, operator, police, viewer.');
      expect(access('/api/v1/edges', 'post')).toBe('Access: admin, technician.');
      expect(access('/api/v1/edges/{id}', 'get')).toBe('Access: admin, technician, operator, police, viewer.');
      expect(access('/api/v1/edges/{id}', 'patch')).toBe('Access: admin, technician.');
      expect(access('/api/v1/edges/{id}', 'delete')).toBe('Access: admin, technician.');
      expect(access('/api/v1/edges/{id}/claim-tokens', 'post')).toBe('Access: admin, technician.');
      expect(access('/api/v1/edges/{id}/revoke', 'post')).toBe('Access: admin, technician.');
      expect(access('/api/v1/edges/{id}/rotate', 'post')).toBe('Access: admin, technician.');
      expect(access('/api/v1/provision/claim', 'post')).toBe('Access: public.');
      expect(access('/api/v1/auth/token', 'post')).toBe('Access: public.');
      expect(access('/api/v1/users', 'get')).toBe('Access: admin.');
      expect(access('/api/v1/users', 'post')).toBe('Access: admin.');
      expect(access('/api/v1/users/{id}', 'patch')).toBe('Access: admin.');
      expect(access('/api/v1/users/{id}', 'delete')).toBe('Access: admin.');

      let operations = 0;
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          expect(op.description, `${method} ${path}`).toMatch(/Access: /);
          operations++;
        }
      }
      expect(operations).toBeGreaterThanOrEqual(20);
    });

    it('declares bearer security on role routes and none on public ones', () => {
      expect(doc.paths['/api/v1/users']?.get?.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/api/v1/auth/token']?.post?.security).toEqual([]);
      expect(doc.paths['/api/v1/provision/me']?.get?.security).toEqual([{ deviceBasic: [] }]);
    });

    it('documents the system routes under the paths they are served on', async () => {
      for (const path of ['/healthz', '/metrics', '/api/v1/time']) {
        expect((await test.cloud.app.request(path)).status, path).toBe(200);
      }
      const malformed = Object.keys(doc.paths).filter((p) => p.includes('//'));
      expect(malformed).toEqual([]);
      for (const path of ['/healthz', '/metrics', '/api/v1/time']) expect(doc.paths, path).toHaveProperty([path]);
    });
  });

  describe('GET /api/v1/time', () => {
    it('returns receivedAt and sentAt from the cloud clock, without credentials', async () => {
      const before = Date.now();
      const res = await test.cloud.app.request('/api/v1/time');
      const after = Date.now();
      expect(res.status).toBe(200);
      const body = (await res.json()) as { receivedAt: number; sentAt: number };
      expect(Object.keys(body).sort()).toEqual(['receivedAt', 'sentAt']);
      expect(Number.isInteger(body.receivedAt)).toBe(true);
      expect(body.receivedAt).toBeGreaterThanOrEqual(before);
      expect(body.sentAt).toBeGreaterThanOrEqual(body.receivedAt);
      expect(body.sentAt).toBeLessThanOrEqual(after);
    });
  });
});
