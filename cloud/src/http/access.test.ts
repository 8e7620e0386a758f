import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type Reply, type TestCloud } from '../../../test-support/cloud.js';

const ROLES = ['admin', 'technician', 'operator', 'police', 'viewer'] as const;
type Role = (typeof ROLES)[number];

describe('roles are enforced on the server for every route', () => {
  let test: TestCloud;
  const tokens = {} as Record<Role, string>;

  const request = (method: string, path: string, token: string | null, body?: unknown): Promise<Reply> => test.request(method, path, body, token);

  beforeAll(async () => {
    test = await startTestCloud();
    tokens.admin = test.adminToken;
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const created = await request('POST', '/api/v1/users', test.adminToken, { username: `${role}-1`, role, password: `password-${role}`, mustChangePassword: false });
      expect(created.status).toBe(201);
      tokens[role] = await test.login(`${role}-1`, `password-${role}`);
    }
  });
  afterAll(async () => {
    await test.stop();
  });

  const newEdge = (token: string) => request('POST', '/api/v1/edges', token, { name: 'Tủ điện chợ', hamletCode: 'ap-2' });

  it.each(['viewer', 'operator', 'police'] as const)('refuses %s on POST /api/v1/edges, POST /api/v1/users and GET /api/v1/users', async (role) => {
    const edge = await newEdge(tokens[role]);
    expect(edge.status).toBe(403);
    expect(edge.body.error.code).toBe('forbidden');
    expect(edge.body.error.message).toContain(`"${role}"`);

    const user = await request('POST', '/api/v1/users', tokens[role], { username: `made-by-${role}`, role: 'admin', password: 'password-x' });
    expect(user.status).toBe(403);
    expect(user.body.error.code).toBe('forbidden');

    const list = await request('GET', '/api/v1/users', tokens[role]);
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe('forbidden');

    // and nothing was created
    const users = await request('GET', '/api/v1/users', tokens.admin);
    expect(users.body.users.map((u: { username: string }) => u.username)).not.toContain(`made-by-${role}`);
  });

  it.each(['viewer', 'operator', 'police'] as const)('lets %s read edges and hamlets', async (role) => {
    expect((await request('GET', '/api/v1/edges', tokens[role])).status).toBe(200);
    expect((await request('GET', '/api/v1/hamlets', tokens[role])).status).toBe(200);
  });

  it('lets a technician create edges and claim tokens, revoke and edit them, but not manage users', async () => {
    const edge = await newEdge(tokens.technician);
    expect(edge.status).toBe(201);
    const token = await request('POST', `/api/v1/edges/${edge.body.id}/claim-tokens`, tokens.technician);
    expect(token.status).toBe(201);
    expect(token.body.edgeId).toBe(edge.body.id);
    expect((await request('PATCH', `/api/v1/edges/${edge.body.id}`, tokens.technician, { notes: 'cột điện số 4' })).status).toBe(200);
    expect((await request('POST', `/api/v1/edges/${edge.body.id}/revoke`, tokens.technician)).status).toBe(200);
    expect((await request('DELETE', `/api/v1/edges/${edge.body.id}`, tokens.technician)).status).toBe(204);

    expect((await request('GET', '/api/v1/users', tokens.technician)).status).toBe(403);
    const create = await request('POST', '/api/v1/users', tokens.technician, { username: 'tech-made', role: 'viewer', password: 'password-x' });
    expect(create.status).toBe(403);
    const users = (await request('GET', '/api/v1/users', tokens.admin)).body.users as { id: string; username: string }[];
    const viewer = users.find((u) => u.username === 'viewer-1')!;
    expect((await request('PATCH', `/api/v1/users/${viewer.id}`, tokens.technician, { role: 'admin' })).status).toBe(403);
    expect((await request('DELETE', `/api/v1/users/${viewer.id}`, tokens.technician)).status).toBe(403);
    expect((await request('GET', '/api/v1/users', tokens.admin)).body.users.find((u: { id: string }) => u.id === viewer.id).role).toBe('viewer');
  });

  it('refuses viewers, operators and police every write on edges', async () => {
    const edge = (await newEdge(tokens.admin)).body;
    for (const role of ['viewer', 'operator', 'police'] as const) {
      for (const [method, path, body] of [
        ['PATCH', `/api/v1/edges/${edge.id}`, { name: 'renamed' }],
        ['DELETE', `/api/v1/edges/${edge.id}`, undefined],
        ['POST', `/api/v1/edges/${edge.id}/claim-tokens`, undefined],
        ['POST', `/api/v1/edges/${edge.id}/revoke`, undefined],
        ['POST', `/api/v1/edges/${edge.id}/rotate`, undefined],
        ['PUT', `/api/v1/edges/${edge.id}/config`, { telemetryIntervalS: 5 }],
      ] as const) {
        const res = await request(method, path, tokens[role], body);
        expect(res.status, `${role} ${method} ${path}`).toBe(403);
      }
    }
    const after = await request('GET', `/api/v1/edges/${edge.id}`, tokens.viewer);
    expect(after.body).toMatchObject({ name: edge.name, status: 'unclaimed' });
  });

  it('lets an admin do all of it', async () => {
    const edge = await newEdge(tokens.admin);
    expect(edge.status).toBe(201);
    expect((await request('POST', `/api/v1/edges/${edge.body.id}/claim-tokens`, tokens.admin)).status).toBe(201);
    const user = await request('POST', '/api/v1/users', tokens.admin, { username: 'admin-made', role: 'operator', password: 'password-x' });
    expect(user.status).toBe(201);
    expect((await request('GET', '/api/v1/users', tokens.admin)).status).toBe(200);
    expect((await request('PATCH', `/api/v1/users/${user.body.id}`, tokens.admin, { displayName: 'Đài truyền thanh' })).status).toBe(200);
    expect((await request('DELETE', `/api/v1/users/${user.body.id}`, tokens.admin)).status).toBe(204);
  });

  it('refuses person tokens and missing credentials on the device route', async () => {
    expect((await request('GET', '/api/v1/provision/me', tokens.admin)).status).toBe(401);
    expect((await request('GET', '/api/v1/provision/me', null)).status).toBe(401);
  });
});
