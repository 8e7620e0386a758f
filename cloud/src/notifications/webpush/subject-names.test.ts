import { expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { camerasOfDocuments, SubjectNames } from './subject-names.js';
import { seedTwoCommunes } from './testing/query-seed.js';

it('reads cameras from document bodies, skipping one that is not JSON or has no camera list', () => {
  const cameras = camerasOfDocuments(['not json', 'null', '{"surveillance":{"cameras":{"id":"x"}}}', '{"surveillance":{"cameras":[{"id":"cam-1","name":"Cổng"},{"id":"cam-2"},{"name":"no id"}]}}']);
  expect([...cameras]).toEqual([
    ['cam-1', 'Cổng'],
    ['cam-2', null],
  ]);
});

forEachDatabase('names in notifications', (get) => {
  it("names a box, its hamlet, a camera and an alert, falling back to the id of what is not found", async () => {
    await seedTwoCommunes(get());
    const { db } = get();
    await db.insertInto('documents').values({ edge_id: 'edge_B', doc: 'broken', version: 1, body: '{not json', issued_at: 0 }).execute();
    const names = new SubjectNames(get());
    expect(await names.edge('edge_A')).toEqual({ name: 'Cổng trường', hamlet: 'Ấp 1', hamletCode: 'ap-1' });
    expect(await names.edge('edge_gone')).toEqual({ name: 'edge_gone', hamlet: null, hamletCode: null });
    expect(await names.hamlet('ap-2')).toBe('Ấp 2');
    expect(await names.hamlet('ap-9')).toBe('ap-9');
    expect(await names.hamlet(null)).toBeNull();
    expect(await names.camera('edge_A', 'cam-1')).toBe('Cổng chợ');
    expect(await names.camera('edge_B', 'cam-9')).toBe('Bến đò'); // beside a document that is not JSON
    expect(await names.camera('edge_A', 'cam-7')).toBe('cam-7');
    expect(await names.alertTitle('al_gone')).toBe('al_gone');
    expect(await names.hamletCommunes(['ap-1', 'vt-1', 'nowhere'])).toEqual(new Map([['ap-1', 'vi-tan'], ['vt-1', 'vi-thuy']]));
  });

  it('still offline: a box, a camera and a loudspeaker zone as the cloud holds them; unknown is not offline', async () => {
    await seedTwoCommunes(get());
    const { db } = get();
    await db.insertInto('edge_state').values([{ edge_id: 'edge_A', online: 0 }, { edge_id: 'edge_B', online: 1 }]).execute();
    await db.insertInto('camera_status').values([{ edge_id: 'edge_A', camera_id: 'cam-1', status: 'failed', changed_at: 0 }, { edge_id: 'edge_B', camera_id: 'cam-9', status: 'streaming', changed_at: 0 }]).execute();
    await db.insertInto('speaker_state').values([{ edge_id: 'edge_A', zone: 'z1', state: 'muted', changed_at: 0 }, { edge_id: 'edge_A', zone: 'z2', state: 'ok', changed_at: 0 }]).execute();
    const names = new SubjectNames(get());
    expect(await names.stillOffline({ what: 'edge', edgeId: 'edge_A' })).toBe(true);
    expect(await names.stillOffline({ what: 'edge', edgeId: 'edge_B' })).toBe(false);
    expect(await names.stillOffline({ what: 'edge', edgeId: 'edge_gone' })).toBe(false);
    expect(await names.stillOffline({ what: 'camera', edgeId: 'edge_A', cameraId: 'cam-1' })).toBe(true);
    expect(await names.stillOffline({ what: 'camera', edgeId: 'edge_B', cameraId: 'cam-9' })).toBe(false);
    expect(await names.stillOffline({ what: 'speaker', edgeId: 'edge_A', zone: 'z1' })).toBe(true);
    expect(await names.stillOffline({ what: 'speaker', edgeId: 'edge_A', zone: 'z2' })).toBe(false);
  });
});
