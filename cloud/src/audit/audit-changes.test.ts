import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';

let test: TestCloud;
beforeAll(async () => {
  test = await startTestCloud();
});
afterAll(() => test.stop());

const changes = async (target: string) => (await test.api('GET', `/api/v1/audit?action=api.change&target=${encodeURIComponent(target)}`)).body.items;

describe('every change through the API is audited', () => {
  it('records who changed what, by which route, and not reads or refused changes', async () => {
    const created = await test.api('POST', '/api/v1/edges', { name: 'Tủ ấp 5', hamletCode: 'ap-5' });
    expect(created.status).toBe(201);
    const [entry] = await changes('/api/v1/edges');
    expect(entry).toMatchObject({ actor: 'admin', action: 'api.change', target: '/api/v1/edges', details: { method: 'POST', route: '/api/v1/edges', status: 201 } });
    expect(entry.ip).toBe('127.0.0.1');

    await test.api('GET', `/api/v1/edges/${created.body.id}`);
    const refused = await test.api('PATCH', `/api/v1/edges/${created.body.id}`, { hamletCode: 'ap-99' });
    expect(refused.status).toBe(400);
    expect(await changes(`/api/v1/edges/${created.body.id}`)).toEqual([]);

    await test.api('PATCH', `/api/v1/edges/${created.body.id}`, { notes: 'Cạnh nhà văn hóa' });
    expect((await changes(`/api/v1/edges/${created.body.id}`)).map((e: { details: { method: string } }) => e.details.method)).toEqual(['PATCH']);
  });
});
