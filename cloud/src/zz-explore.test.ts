import { it } from 'vitest';
import { startTestCloud } from '../../test-support/cloud.js';
it('explore', async () => {
  const t = await startTestCloud();
  const h = { authorization: 'Bearer ' + t.adminToken, 'content-type': 'application/json' };
  const req = (m: string, p: string, b?: unknown) => t.cloud.app.request(p, { method: m, headers: h, body: b === undefined ? undefined : JSON.stringify(b) });
  const b = await (await req('POST', '/api/v1/users', { username: 'admin2', role: 'admin', password: 'password-2' })).json() as any;
  const users = await (await req('GET', '/api/v1/users')).json() as any;
  const a = users.users.find((u: any) => u.username === 'admin');
  const [r1, r2] = await Promise.all([
    req('PATCH', '/api/v1/users/' + a.id, { role: 'viewer', password: 'new-password-a' }),
    req('PATCH', '/api/v1/users/' + b.id, { role: 'viewer', password: 'new-password-b' }),
  ]);
  console.log(r1.status, r2.status);
  console.log(t.cloud.db.prepare('select username, role, disabled from users').all());
  await t.stop();
});
