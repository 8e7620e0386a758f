import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCloudDatabase, type Db } from '../db/database.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { AuditLog } from './audit-log.js';

describe('audit log store', () => {
  let db: Db;
  let now: number;
  let audit: AuditLog;
  beforeEach(() => {
    db = openCloudDatabase(':memory:');
    now = Date.UTC(2026, 10, 20, 3);
    audit = new AuditLog(db, () => now);
  });
  afterEach(() => db.close());

  it('cannot be changed or deleted, whoever asks the database', () => {
    const id = audit.record({ actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_0123456789', details: { sha256: 'ab' }, ip: '10.0.0.5' });
    expect(() => db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE id = ?").run(id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = ?').run(id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(audit.trail('incident:inc_0123456789')).toEqual([
      { id, at: now, actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_0123456789', details: { sha256: 'ab' }, ip: '10.0.0.5', communeCode: null },
    ]);
  });

  it('filters by actor, action, target and time, newest first, in pages', () => {
    const at = (minutes: number, actor: string, action: string, target: string | null = null) => {
      now = Date.UTC(2026, 10, 20, 3) + minutes * 60_000;
      return audit.record({ actor, action, target });
    };
    const a = at(0, 'admin', 'auth.login', 'user:admin');
    const b = at(1, 'police-1', 'incident.clip_view', 'incident:inc_aaaaaaaa');
    const c = at(2, 'police-1', 'incident.export', 'incident:inc_aaaaaaaa');
    const d = at(3, 'operator-1', 'incident.media_refused', 'incident:inc_aaaaaaaa');
    const ids = (filter: Parameters<AuditLog['page']>[0], limit = 50, offset = 0) => audit.page(filter, limit, offset).items.map((e) => e.id);
    expect(ids({})).toEqual([d, c, b, a]);
    expect(ids({ actor: 'police-1' })).toEqual([c, b]);
    expect(ids({ action: 'incident.export' })).toEqual([c]);
    expect(ids({ target: 'incident:inc_aaaaaaaa' })).toEqual([d, c, b]);
    expect(ids({ from: Date.UTC(2026, 10, 20, 3, 1), to: Date.UTC(2026, 10, 20, 3, 3) })).toEqual([c, b]);
    expect(audit.page({}, 2, 2)).toMatchObject({ total: 4, items: [{ id: b }, { id: a }] });
  });

  it('records a viewing once within its window', () => {
    const view = { actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_aaaaaaaa' };
    audit.recordOnce(view, 60_000);
    now += 30_000;
    audit.recordOnce(view, 60_000);
    audit.recordOnce({ ...view, actor: 'admin' }, 60_000);
    now += 60_000;
    audit.recordOnce(view, 60_000);
    expect(audit.page({ actor: 'police-1' }, 10, 0).total).toBe(2);
  });
});

describe('audit of logins and the audit API', () => {
  let test: TestCloud;
  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  it('records logins, failed logins and logouts with the client address, for admins to read', async () => {
    await test.request('POST', '/api/v1/users', { username: 'police-1', role: 'police', password: 'password-police', mustChangePassword: false });
    expect((await test.api('POST', '/api/v1/auth/token', { username: 'police-1', password: 'wrong-password' }, null)).status).toBe(401);
    expect((await test.api('POST', '/api/v1/auth/token', { username: 'nobody', password: 'wrong-password' }, null)).status).toBe(401);
    const token = await test.login('police-1', 'password-police');
    expect((await test.api('DELETE', '/api/v1/auth/token', undefined, token)).status).toBe(204);

    const res = await test.request('GET', '/api/v1/audit?target=user:police-1');
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { action: string; actor: string; details: unknown; ip: string | null }) => [e.action, e.actor, e.details, e.ip])).toEqual([
      ['auth.logout', 'police-1', null, '127.0.0.1'],
      ['auth.login', 'police-1', null, '127.0.0.1'],
      ['auth.login_failed', 'public', { reason: 'wrong_password' }, '127.0.0.1'],
    ]);
    const failed = await test.request('GET', '/api/v1/audit?action=auth.login_failed');
    expect(failed.body.items.map((e: { target: string }) => e.target)).toEqual(['user:nobody', 'user:police-1']);
    const admin = await test.request('GET', '/api/v1/audit?actor=admin&action=auth.login&limit=1');
    expect(admin.body).toMatchObject({ total: 1, limit: 1, offset: 0 });

    const police = await test.login('police-1', 'password-police');
    expect((await test.request('GET', '/api/v1/audit', undefined, police)).status).toBe(403);
    expect((await test.request('GET', '/api/v1/audit?from=2026-11-22&to=2026-11-20')).status).toBe(400);
    expect((await test.request('GET', '/api/v1/audit?limit=0')).body.error.details[0].path).toBe('limit');
  });
});
