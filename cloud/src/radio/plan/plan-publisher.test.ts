import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { desiredSchema, topics, type ScheduleBody } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { waitFor } from '../../../../test-support/wait.js';
import { insertBulletin, startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';
import { planWindow } from './plan-compiler.js';

const VN = 'Asia/Ho_Chi_Minh';
const HOUR = 3_600_000;

describe('plan compilation and publishing', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let news: ReturnType<typeof insertBulletin>;
  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken);
    news = insertBulletin(test.cloud.db, { title: 'Bản tin thời sự', seconds: 60 });
  });
  afterEach(async () => {
    await kit.stop();
    await test.stop();
  });

  const createEdge = async (hamletCode: string) => (await test.api<{ id: string }>('POST', '/api/v1/edges', { name: `Tủ ${hamletCode}`, hamletCode })).body.id;
  const claim = async (edgeId: string) => {
    const { token } = (await test.api<{ token: string }>('POST', `/api/v1/edges/${edgeId}/claim-tokens`)).body;
    expect((await test.api('POST', '/api/v1/provision/claim', { token }, null)).status).toBe(200);
  };
  const claimedEdge = async (hamletCode: string) => {
    const id = await createEdge(hamletCode);
    await claim(id);
    await waitFor(() => plan(id), `first plan of ${id}`);
    return id;
  };
  const plan = (edgeId: string) => test.cloud.fleet.documents.get(edgeId, 'schedule');
  const version = async (edgeId: string) => (await plan(edgeId))?.version ?? 0;
  /** Local start `minutes` from now, whole minute. From 60 minutes on, a daily item has exactly two occurrences in the window. */
  const localIn = (minutes: number) => DateTime.fromMillis(kit.clock.now(), { zone: VN }).plus({ minutes }).startOf('minute').toFormat("yyyy-MM-dd'T'HH:mm");
  const createSchedule = async (body: Record<string, unknown>) => {
    const res = await kit.request('POST', '/api/v1/schedules', { title: 'Bản tin thời sự', source: { kind: 'bulletin', bulletinId: news.id }, rrule: 'FREQ=DAILY', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string };
  };

  it('gives an edge in a targeted hamlet every occurrence in the window with start, duration and asset, and an untargeted edge none', async () => {
    const ap2 = await claimedEdge('ap-2');
    const ap3 = await claimedEdge('ap-3');
    const startsLocal = localIn(60);
    const s = await createSchedule({ startsLocal, targets: { hamlets: ['ap-2'] }, volume: 85 });

    const body = (await plan(ap2))!.body;
    const window = planWindow(kit.clock.now());
    expect(body.windowStart).toBe(window.start);
    expect(body.windowEnd).toBe(window.end);
    const first = DateTime.fromISO(startsLocal, { zone: VN }).toMillis();
    // daily: today's and tomorrow's occurrence fall in the 49-hour window, the one after does not
    expect(body.items).toEqual(
      [first, first + 24 * HOUR].map((startAt) => ({
        occurrenceId: `${s.id}:${startAt}`,
        scheduleId: s.id,
        bulletinId: news.id,
        title: 'Bản tin thời sự',
        source: { kind: 'asset', asset: news.asset },
        startAt,
        durationMs: news.durationMs,
        priority: 'normal',
        volume: 85,
        zones: null,
      })),
    );
    expect((await plan(ap3))!.body.items).toEqual([]);
  });

  it('publishes the plan retained on the edge\'s desired/schedule topic', async () => {
    const ap2 = await claimedEdge('ap-2');
    const received: unknown[] = [];
    const unsubscribe = await test.cloud.broker.subscribe(topics.desired(ap2, 'schedule'), (_topic, payload) => received.push(JSON.parse(payload.toString())));
    const s = await createSchedule({ startsLocal: localIn(60), targets: { edges: [ap2] } });
    const message = await waitFor(() => received.find((m) => (m as { body: ScheduleBody }).body.items.length > 0), 'the plan on MQTT');
    const parsed = desiredSchema('schedule').parse(message);
    expect(parsed.version).toBe(await version(ap2));
    expect(parsed.body.items[0]!.scheduleId).toBe(s.id);
    await unsubscribe();
  });

  it('places speaker zones on their edge only', async () => {
    const ap2 = await claimedEdge('ap-2');
    const other = await claimedEdge('ap-2');
    await createSchedule({ startsLocal: localIn(60), targets: { zones: [{ edgeId: ap2, zone: 'cho' }, { edgeId: ap2, zone: 'truong' }] } });
    expect((await plan(ap2))!.body.items.map((i) => i.zones)).toEqual([['cho', 'truong'], ['cho', 'truong']]);
    expect((await plan(other))!.body.items).toEqual([]);
  });

  it('republishes only the plans that changed', async () => {
    const ap2 = await claimedEdge('ap-2');
    const ap3 = await claimedEdge('ap-3');
    const [v2, v3] = [await version(ap2), await version(ap3)];
    const s = await createSchedule({ startsLocal: localIn(60), targets: { hamlets: ['ap-2'] } });
    expect(await version(ap2)).toBe(v2 + 1);
    expect(await version(ap3)).toBe(v3);

    // a change that leaves every plan as it was publishes nothing
    expect((await kit.request('PATCH', `/api/v1/schedules/${s.id}`, { rrule: 'FREQ=DAILY', volume: 100 })).status).toBe(200);
    expect(await kit.radio.plans.refresh()).toBe(0);
    expect([await version(ap2), await version(ap3)]).toEqual([v2 + 1, v3]);

    // a change beyond the window neither
    await createSchedule({ title: 'Tuần sau', startsLocal: DateTime.fromMillis(kit.clock.now(), { zone: VN }).plus({ days: 7 }).toFormat("yyyy-MM-dd'T'05:30"), rrule: null, targets: { hamlets: ['ap-2'] } });
    expect(await version(ap2)).toBe(v2 + 1);
  });

  it('follows exceptions, disabling and deletion', async () => {
    const ap2 = await claimedEdge('ap-2');
    const startsLocal = localIn(90);
    const s = await createSchedule({ startsLocal, targets: { all: true } });
    const [today, tomorrow] = (await plan(ap2))!.body.items;
    const tomorrowLocal = DateTime.fromMillis(tomorrow!.startAt, { zone: VN }).toFormat("yyyy-MM-dd'T'HH:mm");

    await kit.request('POST', `/api/v1/schedules/${s.id}/exceptions`, { action: 'skip', occurrence: startsLocal });
    const movedTo = DateTime.fromMillis(tomorrow!.startAt, { zone: VN }).plus({ minutes: 45 });
    await kit.request('POST', `/api/v1/schedules/${s.id}/exceptions`, { action: 'move', occurrence: tomorrowLocal, movedTo: movedTo.toFormat("yyyy-MM-dd'T'HH:mm") });
    const items = (await plan(ap2))!.body.items;
    expect(items.map((i) => i.occurrenceId)).toEqual([tomorrow!.occurrenceId]);
    expect(items[0]!.startAt).toBe(movedTo.toMillis());
    expect(today!.occurrenceId).not.toBe(tomorrow!.occurrenceId);

    await kit.request('PATCH', `/api/v1/schedules/${s.id}`, { enabled: false });
    expect((await plan(ap2))!.body.items).toEqual([]);
    await kit.request('PATCH', `/api/v1/schedules/${s.id}`, { enabled: true });
    expect((await plan(ap2))!.body.items).toHaveLength(1);
    await kit.request('DELETE', `/api/v1/schedules/${s.id}`);
    expect((await plan(ap2))!.body.items).toEqual([]);
  });

  it('gives a box claimed later its plan, and follows a box moved to another hamlet', async () => {
    await createSchedule({ startsLocal: localIn(60), targets: { hamlets: ['ap-2'] } });
    const edge = await createEdge('ap-2');
    expect(await plan(edge)).toBeNull();
    await claim(edge);
    const first = await waitFor(() => plan(edge), 'plan after the claim');
    expect(first.body.items).toHaveLength(2);

    expect((await test.api('PATCH', `/api/v1/edges/${edge}`, { hamletCode: 'ap-6' })).status).toBe(200);
    const moved = await waitFor(async () => {
      const now = await plan(edge);
      return now!.body.items.length === 0 ? now : null;
    }, 'plan of the moved box');
    expect(moved.version).toBe(first.version + 1);
  });

  it('leaves an unchanged plan alone when a box is claimed again: the same version is published again', async () => {
    const edge = await claimedEdge('ap-2');
    await createSchedule({ startsLocal: localIn(60), targets: { hamlets: ['ap-2'] } });
    const before = (await plan(edge))!;
    const messages: unknown[] = [];
    const unsubscribe = await test.cloud.broker.subscribe(topics.desired(edge, 'schedule'), (_topic, payload) => messages.push(payload.length ? JSON.parse(payload.toString()) : null));
    expect((await test.api('POST', `/api/v1/edges/${edge}/revoke`)).status).toBe(200);
    await claim(edge);
    expect(await kit.radio.plans.refresh()).toBe(0);
    await waitFor(() => messages.length >= 2 && messages.at(-1), 'the cleared, then republished plan');
    expect(messages[0]).toBeNull();
    const message = desiredSchema('schedule').parse(messages.at(-1));
    expect(message.version).toBe(before.version);
    expect(message.body).toEqual(before.body);
    expect(await version(edge)).toBe(before.version);
    await unsubscribe();
  });
});
