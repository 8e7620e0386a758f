import { expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { forEachDatabase } from '../../../test-support/databases.js';
import { edgeCommune, edgeCommuneOf } from './edge-commune.js';
import { ObjectCommunes } from './object-commune.js';
import { seedCommuneQuery, seedEdgeQuery } from './testing/seed-query.js';

const VI_THUY = { code: 'vi-thuy', name: 'Xã Vị Thủy', district: '', province: 'T', hamlets: [{ code: 'vt-1', name: 'Ấp Vĩnh Phú' }] };

forEachDatabase('the commune of a box and of an object', (get) => {
  async function seed() {
    const q = get();
    await seedCommuneQuery(q, VI_TAN);
    await seedCommuneQuery(q, VI_THUY);
    await seedEdgeQuery(q, 'e-tan', 'ap-1');
    await seedEdgeQuery(q, 'e-thuy', 'vt-1');
    const person = (id: string, username: string, commune_code: string | null) => ({ id, username, display_name: username, role: 'operator', password_hash: 'x', created_at: 1, updated_at: 1, commune_code });
    await q.db.insertInto('users').values([person('u1', 'Lan', 'vi-thuy'), person('u2', 'tinh', null)]).execute();
    await q.db
      .insertInto('reports')
      .values({ id: 'rep_1', code: 'PA-1234', category: 'road', description: 'ổ gà', hamlet_code: 'vt-1', status: 'new', created_at: 1, updated_at: 1, commune_code: 'vi-thuy' })
      .execute();
    await q.db
      .insertInto('notification_outbox')
      .values({ id: 7, channel: 'zalo', idempotency_key: 'k', recipient: 'r', subject: 'report:PA-1234', event: 'e', content: 'c', data: '{}', status: 'queued', next_attempt_at: 1, created_at: 1, commune_code: 'vi-thuy' })
      .execute();
  }

  it("finds a box's commune through its hamlet, as a value and as a sub-query stamping an INSERT", async () => {
    await seed();
    const q = get();
    expect(await edgeCommune(q, 'e-thuy')).toBe('vi-thuy');
    expect(await edgeCommune(q, 'none')).toBeNull();
    expect(await edgeCommune(q, 'e-tan')).toBe('vi-tan');
    await q.db
      .insertInto('footage_requests')
      .values((eb) => ({ id: 'f1', edge_id: 'e-thuy', camera_id: 'cam', from_ms: 1, to_ms: 2, reason: 'r', state: 'waiting', created_at: 1, commune_code: edgeCommuneOf(eb, 'e-thuy') }))
      .execute();
    expect(await q.db.selectFrom('footage_requests').select('commune_code').where('id', '=', 'f1').executeTakeFirst()).toEqual({ commune_code: 'vi-thuy' });
  });

  it('names the commune of audit targets, outbox subjects and actors; null for the province, the unknown and the unnamed', async () => {
    await seed();
    const q = get();
    const answers = async (of: (name: string) => Promise<string | null>, ofActor: (actor: string) => Promise<string | null>) => ({
      camera: await of('camera:e-thuy/cam-1'),
      speaker: await of('speaker:e-tan/cho'),
      edge: await of('edge:e-thuy'),
      reportByCode: await of('report:PA-1234'),
      reportById: await of('report:rep_1'),
      notification: await of('notification:7'),
      notificationNotANumber: await of('notification:x'),
      unknownKind: await of('planet:mars'),
      unnamed: await of('incident'),
      missing: await of('incident:none'),
      person: await ofActor('LAN'),
      provincePerson: await ofActor('tinh'),
      box: await ofActor('edge:e-tan'),
      system: await ofActor('system'),
    });
    const expected = {
      camera: 'vi-thuy',
      speaker: 'vi-tan',
      edge: 'vi-thuy',
      reportByCode: 'vi-thuy',
      reportById: 'vi-thuy',
      notification: 'vi-thuy',
      notificationNotANumber: null,
      unknownKind: null,
      unnamed: null,
      missing: null,
      person: 'vi-thuy',
      provincePerson: null,
      box: 'vi-tan',
      system: null,
    };
    const communes = new ObjectCommunes(q);
    expect(await answers((n) => communes.of(n), (a) => communes.ofActor(a))).toEqual(expected);
  });
});
