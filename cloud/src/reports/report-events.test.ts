import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import type { DomainEvents } from '../events/domain-events.js';
import { userWithRole } from '../incidents/testing/incident-kit.js';

describe("citizens' reports arriving and changing status are published", () => {
  let test: TestCloud;
  let received: DomainEvents['report.received'][];
  let changed: DomainEvents['report.status_changed'][];

  beforeEach(async () => {
    test = await startTestCloud();
    [received, changed] = [[], []];
    test.cloud.events.subscribe('report.received', (e) => void received.push(e));
    test.cloud.events.subscribe('report.status_changed', (e) => void changed.push(e));
  });
  afterEach(async () => {
    await test.stop();
  });

  it('publishes a report filed by a citizen (ids, not the text or the phone), then each change of its status by the police', async () => {
    const filed = await test.request('POST', '/api/v1/reports', { category: 'trom-cap', description: 'Mất xe máy trước cổng chợ lúc 7 giờ sáng', hamlet: 'ap-3', phone: '0912345678' }, null);
    expect(filed.status).toBe(201);
    const { code } = filed.body as { code: string };
    const police = await userWithRole(test, 'police');
    const { id } = (await test.request('GET', `/api/v1/reports/${code}/details`, undefined, police.token)).body as { id: string };
    expect(received).toEqual([{ reportId: id, code, category: 'trom-cap', hamletCode: 'ap-3', communeCode: 'vi-tan' }]);

    const patch = (body: unknown) => test.request('PATCH', `/api/v1/reports/${code}`, body, police.token);
    expect((await patch({ publicReply: 'Công an xã đã nhận tin.' })).status).toBe(200); // a reply alone is not a new status
    expect((await patch({ status: 'in_progress' })).status).toBe(200);
    expect((await patch({ status: 'in_progress' })).status).toBe(200);
    expect((await patch({ status: 'resolved', publicReply: 'Đã tìm thấy xe.' })).status).toBe(200);
    expect(changed).toEqual([
      { reportId: id, code, hamletCode: 'ap-3', communeCode: 'vi-tan', from: 'new', to: 'in_progress', by: police.id },
      { reportId: id, code, hamletCode: 'ap-3', communeCode: 'vi-tan', from: 'in_progress', to: 'resolved', by: police.id },
    ]);
  });

  it('publishes nothing for a report refused as invalid', async () => {
    const refused = await test.request('POST', '/api/v1/reports', { category: 'trom-cap', description: 'Mất xe máy', hamlet: 'khong-co' }, null);
    expect(refused.status).toBe(400);
    expect(received).toEqual([]);
  });
});
