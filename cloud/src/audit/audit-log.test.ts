import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { forEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { auditCsv } from './audit-csv.js';
import { UserStore } from '../users/user-store.js';
import { AuditLog, type CommuneResolver } from './audit-log.js';
import { insertPlaces } from '../../../test-support/places.js';
import { racingConnection } from '../../../test-support/second-connection.js';

/** Targets and actors of two communes, as communes/object-commune.ts would find them. */
const communesOf: CommuneResolver = {
  of: async (target) => (target.startsWith('incident:inc_tan') ? 'vi-tan' : target.startsWith('incident:inc_dong') ? 'vi-dong' : null),
  ofActor: (actor) => (actor === 'police-tan' ? 'vi-tan' : actor === 'police-dong' ? 'vi-dong' : null),
};

const EXPECTED_CSV =
  '\ufeff' +
  [
    'id,time,actor,action,target,details,ip,commune_code,commune',
    '2,2026-11-20T10:00:01.000+07:00,public,auth.login_failed,user:nobody,"{""reason"":""unknown_user""}",,,Cấp tỉnh',
    '1,2026-11-20T10:00:00.000+07:00,police-tan,incident.export,incident:inc_tan1,"{""sha256"":""ab"",""parts"":[1,2],""note"":""Ấp 1, \\""chợ\\""""}",10.0.0.5,vi-tan,Vị Tân',
  ].join('\r\n') +
  '\r\n';

const twoCommunes = (q: TestDatabase) =>
  insertPlaces(q, [
    { code: 'vi-tan', name: 'Vị Tân' },
    { code: 'vi-dong', name: 'Vị Đông', district: 'Vị Thủy' },
  ]);

forEachDatabase('audit log store', (get) => {
  let now: number;
  let audit: AuditLog;
  beforeEach(async () => {
    now = Date.UTC(2026, 10, 20, 3);
    await twoCommunes(get());
    audit = new AuditLog(get(), () => now, communesOf);
  });

  it('cannot be changed or deleted, whoever asks the database', async () => {
    const id = await audit.record({ actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_0123456789', details: { sha256: 'ab' }, ip: '10.0.0.5' });
    const { db } = get();
    await expect(db.updateTable('audit_log').set({ actor: 'someone-else' }).where('id', '=', id).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('audit_log').where('id', '=', id).execute()).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(db)).rejects.toThrow(/append-only/);
    expect(await audit.trail('incident:inc_0123456789')).toEqual([
      { id, at: now, actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_0123456789', details: { sha256: 'ab' }, ip: '10.0.0.5', communeCode: null },
    ]);
  });

  it('filters by actor, action, target and time, newest first, in pages', async () => {
    const at = async (minutes: number, actor: string, action: string, target: string | null = null) => {
      now = Date.UTC(2026, 10, 20, 3) + minutes * 60_000;
      return audit.record({ actor, action, target });
    };
    const a = await at(0, 'admin', 'auth.login', 'user:admin');
    const b = await at(1, 'police-1', 'incident.clip_view', 'incident:inc_aaaaaaaa');
    const c = await at(2, 'police-1', 'incident.export', 'incident:inc_aaaaaaaa');
    const d = await at(3, 'operator-1', 'incident.media_refused', 'incident:inc_aaaaaaaa');
    const ids = async (filter: Parameters<AuditLog['page']>[0], limit = 50, offset = 0) => (await audit.page(filter, limit, offset)).items.map((e) => e.id);
    expect(await ids({})).toEqual([d, c, b, a]);
    expect(await ids({ actor: 'police-1' })).toEqual([c, b]);
    expect(await ids({ action: 'incident.export' })).toEqual([c]);
    expect(await ids({ target: 'incident:inc_aaaaaaaa' })).toEqual([d, c, b]);
    expect(await ids({ from: Date.UTC(2026, 10, 20, 3, 1), to: Date.UTC(2026, 10, 20, 3, 3) })).toEqual([c, b]);
    expect(await ids({ actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_aaaaaaaa' })).toEqual([b]);
    expect(await audit.page({}, 2, 2)).toMatchObject({ total: 4, items: [{ id: b }, { id: a }] });
    expect(await audit.page({ actor: 'nobody' }, 10, 0)).toEqual({ total: 0, items: [] });
    expect(await audit.actions()).toEqual(['auth.login', 'incident.clip_view', 'incident.export', 'incident.media_refused']);
  });

  it("stamps each entry with its target's commune, else its actor's, and keeps a commune to its own", async () => {
    const tan = await audit.record({ actor: 'admin', action: 'incident.clip_view', target: 'incident:inc_tan1' });
    const dong = await audit.record({ actor: 'police-dong', action: 'incident.note', target: 'report:r1' });
    const province = await audit.record({ actor: 'system', action: 'incident.purge', target: 'incident:inc_x' });
    const explicit = await audit.record({ actor: 'police-tan', action: 'zalo.connect', target: 'incident:inc_dong9', communeCode: 'vi-tan' });
    const page = await audit.page({}, 10, 0);
    expect(page.items.map((e) => [e.id, e.communeCode])).toEqual([
      [explicit, 'vi-tan'],
      [province, null],
      [dong, 'vi-dong'],
      [tan, 'vi-tan'],
    ]);
    expect((await audit.page({ communeCode: 'vi-tan' }, 10, 0)).items.map((e) => e.id)).toEqual([explicit, tan]);
    expect((await audit.page({ communeCode: 'vi-dong' }, 10, 0)).total).toBe(1);
    expect(await audit.actions('vi-tan')).toEqual(['incident.clip_view', 'zalo.connect']);
    expect(await audit.actions('vi-dong')).toEqual(['incident.note']);
  });

  it("finds a person's commune itself on either database when no resolver is given", async () => {
    await new UserStore(get()).create({ username: 'op-dong', role: 'operator', communeCode: 'vi-dong', password: 'password-of-op-dong', mustChangePassword: false });
    const own = new AuditLog(get(), () => now);
    await own.record({ actor: 'op-dong', action: 'bulletin.create' });
    await own.record({ actor: 'system', action: 'retention.run' });
    expect((await own.page({}, 10, 0)).items.map((e) => [e.actor, e.communeCode])).toEqual([
      ['system', null],
      ['op-dong', 'vi-dong'],
    ]);
  });

  it('records a viewing once within its window', async () => {
    const view = { actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_aaaaaaaa' };
    await audit.recordOnce(view, 60_000);
    now += 30_000;
    await audit.recordOnce(view, 60_000);
    await audit.recordOnce({ ...view, actor: 'admin' }, 60_000);
    now += 60_000;
    await audit.recordOnce(view, 60_000);
    // an entry without a target is its own key
    await audit.recordOnce({ actor: 'police-1', action: 'incident.list_view' }, 60_000);
    await audit.recordOnce({ actor: 'police-1', action: 'incident.list_view' }, 60_000);
    expect((await audit.page({ actor: 'police-1', action: 'incident.clip_view' }, 10, 0)).total).toBe(2);
    expect((await audit.page({ actor: 'police-1', action: 'incident.list_view' }, 10, 0)).total).toBe(1);
  });

  it('records a viewing once when two processes record it at the same moment', async () => {
    const other = racingConnection(get());
    try {
      const there = new AuditLog(other, () => now, communesOf);
      const view = { actor: 'police-1', action: 'incident.clip_view', target: 'incident:inc_race0001' };
      for (let round = 0; round < 5; round++) {
        const won = await Promise.all([audit.recordOnce(view, 60_000), there.recordOnce(view, 60_000), audit.recordOnce(view, 60_000), there.recordOnce(view, 60_000)]);
        expect(won.filter(Boolean)).toHaveLength(1);
        now += 61_000; // the next viewing
      }
      expect((await audit.page({ target: view.target }, 20, 0)).total).toBe(5);
    } finally {
      await other.close();
    }
  });

  it('gives the CSV export the same rows, details and communes on both databases', async () => {
    await audit.record({ actor: 'police-tan', action: 'incident.export', target: 'incident:inc_tan1', details: { sha256: 'ab', parts: [1, 2], note: 'Ấp 1, "chợ"' }, ip: '10.0.0.5' });
    now += 1000;
    await audit.record({ actor: 'public', action: 'auth.login_failed', target: 'user:nobody', details: { reason: 'unknown_user' } });
    const csv = auditCsv((await audit.page({}, 100, 0)).items, 'Asia/Ho_Chi_Minh', new Map([['vi-tan', 'Vị Tân']]));
    // the same text whichever database held the rows
    expect(csv).toBe(EXPECTED_CSV);
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
