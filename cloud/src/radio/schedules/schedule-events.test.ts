import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import type { DomainEvents } from '../../events/domain-events.js';
import { insertBulletin, startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const VN = 'Asia/Ho_Chi_Minh';

describe('a bulletin scheduled for the public is published', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let scheduled: DomainEvents['bulletin.scheduled'][];

  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken);
    scheduled = [];
    test.cloud.events.subscribe('bulletin.scheduled', (e) => void scheduled.push(e));
  });
  afterEach(async () => {
    await kit.stop();
    await test.stop();
  });

  const tomorrow = () => DateTime.fromMillis(kit.clock.now(), { zone: VN }).plus({ days: 1 }).toISODate()!;
  const firstAt = () => DateTime.fromISO(`${tomorrow()}T05:30`, { zone: VN }).toMillis();
  const create = async (body: Record<string, unknown>) => {
    const res = await kit.request('POST', '/api/v1/schedules', { title: 'Bản tin sáng', startsLocal: `${tomorrow()}T05:30`, rrule: 'FREQ=DAILY', targets: { hamlets: ['ap-2', 'ap-3'] }, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string };
  };
  const patch = async (id: string, body: Record<string, unknown>) => expect((await kit.request('PATCH', `/api/v1/schedules/${id}`, body)).status).toBe(200);
  /** Whether the notices page's feed carries the bulletin. */
  const isPublic = async (bulletinId: string) => (await (await test.cloud.app.request('/thong-bao/atom.xml')).text()).includes(bulletinId);

  it('publishes the bulletin an enabled schedule makes public, with the hamlets and the first time it plays', async () => {
    const news = await insertBulletin(test.cloud.query, { title: 'Lịch tiêm phòng dại', seconds: 30 });
    expect(await isPublic(news.id)).toBe(false);
    const schedule = await create({ source: { kind: 'bulletin', bulletinId: news.id } });
    expect(await isPublic(news.id)).toBe(true);
    expect(scheduled).toEqual([{ bulletinId: news.id, scheduleId: schedule.id, hamletCodes: ['ap-2', 'ap-3'], firstStartAt: firstAt() }]);

    // a change that leaves the bulletin as it was is not news
    await patch(schedule.id, { title: 'Bản tin sáng thứ hai', volume: 80 });
    expect(scheduled).toHaveLength(1);
    // another bulletin in the same schedule is
    const other = await insertBulletin(test.cloud.query, { title: 'Thu thuế đất', seconds: 30 });
    await patch(schedule.id, { source: { kind: 'bulletin', bulletinId: other.id } });
    expect(scheduled.map((s) => [s.bulletinId, s.scheduleId])).toEqual([
      [news.id, schedule.id],
      [other.id, schedule.id],
    ]);
  });

  it('publishes a disabled schedule only once it is enabled, and never a live relay', async () => {
    const news = await insertBulletin(test.cloud.query, { title: 'Lịch tiêm phòng dại', seconds: 30 });
    const schedule = await create({ source: { kind: 'bulletin', bulletinId: news.id }, enabled: false });
    await create({ title: 'Tiếp sóng Đài Hậu Giang', source: { kind: 'stream', url: 'https://radio.example.vn/live.mp3', durationS: 1800 }, startsLocal: `${tomorrow()}T12:00` });
    expect(scheduled).toEqual([]);
    expect(await isPublic(news.id)).toBe(false);
    await patch(schedule.id, { enabled: true });
    expect(scheduled).toEqual([{ bulletinId: news.id, scheduleId: schedule.id, hamletCodes: ['ap-2', 'ap-3'], firstStartAt: firstAt() }]);
    expect(await isPublic(news.id)).toBe(true);
  });
});
