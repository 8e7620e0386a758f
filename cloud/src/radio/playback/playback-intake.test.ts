import { Writable } from 'node:stream';
import { DateTime } from 'luxon';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveOccurrenceId, newId, TEST_TONE_SCHEDULE_ID, topics, type PlaybackEvent } from '@smart-commune/shared';
import { createLogger } from '@smart-commune/shared/runtime';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { insertBulletin, startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const VN = 'Asia/Ho_Chi_Minh';
const HOUR = 3_600_000;

describe("proof of play is accepted only for occurrences in the box's plan", () => {
  let test: TestCloud;
  let kit: RadioKit;
  let box: MqttClient;
  let edgeId: string;
  let warnings: Record<string, unknown>[];
  let published: ReturnType<typeof insertBulletin>;
  let draft: ReturnType<typeof insertBulletin>;

  const capturingLogger = () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) warnings.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    return createLogger('playback-intake-test', { level: 'warn' }, stream);
  };
  const plan = async (id: string)=> (await test.cloud.fleet.documents.get(id, 'schedule'))?.body.items ?? [];
  const createSchedule = async (bulletinId: string, hamlets: string[]) => {
    const startsLocal = DateTime.fromMillis(kit.clock.now(), { zone: VN }).plus({ minutes: 60 }).toFormat("yyyy-MM-dd'T'HH:mm");
    const res = await kit.request('POST', '/api/v1/schedules', { title: 'Tiêm phòng dại', source: { kind: 'bulletin', bulletinId }, startsLocal, rrule: 'FREQ=DAILY', targets: { hamlets } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const isPublic = async (bulletinId: string) => (await test.cloud.app.request(`/thong-bao/${bulletinId}/audio`)).status === 200;
  const stored = (eventId: string) => test.cloud.db.prepare('SELECT 1 FROM playback WHERE event_id = ?').get(eventId) !== undefined;
  const refusedCount = async () => (await test.cloud.metrics.playbackRefused.get()).values[0]?.value ?? 0;
  const refusal = (eventId: string) => warnings.find((w) => w.eventId === eventId && String(w.msg).includes('never given'));

  /** Sends proof of play as the box's outbox does, over MQTT with the box's own credentials. */
  const play = async (body: Pick<PlaybackEvent, 'occurrenceId' | 'scheduleId' | 'bulletinId' | 'plannedStartAt'>) => {
    const eventId = newId('evt', 16);
    const event: PlaybackEvent = { state: 'completed', actualStartAt: body.plannedStartAt + 10, durationMs: 3000, reason: null, zones: null, ...body };
    await box.publishAsync(topics.event(edgeId, 'playback'), JSON.stringify({ eventId, ts: Date.now(), body: event }), { qos: 1 });
    await waitFor(() => stored(eventId) || refusal(eventId), `playback event ${eventId} handled`);
    return eventId;
  };

  beforeEach(async () => {
    warnings = [];
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken, {}, capturingLogger());
    const claimed = await claimTestEdge(test, 'ap-2a');
    edgeId = claimed.edgeId;
    await waitFor(() => test.cloud.fleet.documents.get(edgeId, 'schedule'), 'the first plan');
    box = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edgeId, username: edgeId, password: claimed.password, reconnectPeriod: 0 });
    published = insertBulletin(test.cloud.db, { title: 'Tiêm phòng dại', seconds: 3 });
    draft = insertBulletin(test.cloud.db, { title: 'Bản nháp chưa duyệt', seconds: 3 });
  });
  afterEach(async () => {
    await box.endAsync();
    await kit.stop();
    await test.stop();
  });

  it("stores the playing of an occurrence of the box's plan", async () => {
    const scheduleId = await createSchedule(published.id, ['ap-2a']);
    const item = (await plan(edgeId)).find((i) => i.scheduleId === scheduleId)!;
    expect(item.bulletinId).toBe(published.id);
    const eventId = await play({ occurrenceId: item.occurrenceId, scheduleId, bulletinId: published.id, plannedStartAt: item.startAt });
    expect(stored(eventId)).toBe(true);
    expect(await refusedCount()).toBe(0);
  });

  it('refuses a draft the box was never given, a swapped bulletin and another hamlet\'s item: not stored, not public, logged and counted', async () => {
    expect(await isPublic(draft.id)).toBe(false);
    const ours = await createSchedule(published.id, ['ap-2a']);
    const theirs = await createSchedule(published.id, ['ap-3']);
    const item = (await plan(edgeId)).find((i) => i.scheduleId === ours)!;
    expect((await plan(edgeId)).some((i) => i.scheduleId === theirs)).toBe(false);
    const at = item.startAt;
    const attempts = [
      { occurrenceId: `${draft.id}:${at}`, scheduleId: draft.id, bulletinId: draft.id, plannedStartAt: at }, // an invented occurrence of a draft
      { occurrenceId: item.occurrenceId, scheduleId: ours, bulletinId: draft.id, plannedStartAt: at }, // a real occurrence, the bulletin swapped
      { occurrenceId: `${theirs}:${at}`, scheduleId: theirs, bulletinId: published.id, plannedStartAt: at }, // another hamlet's item
    ];
    for (const attempt of attempts) {
      const eventId = await play(attempt);
      expect(stored(eventId)).toBe(false);
      expect(refusal(eventId)).toMatchObject({ level: 40, edgeId, occurrenceId: attempt.occurrenceId, bulletinId: attempt.bulletinId });
    }
    expect(await refusedCount()).toBe(3);
    expect(await isPublic(draft.id)).toBe(false);
    expect(test.cloud.db.prepare('SELECT COUNT(*) FROM playback').pluck().get()).toBe(0);

    // and a restart's catch-up leaves them out too
    await kit.stop();
    kit = await startRadioKit(test.cloud, test.adminToken, {}, capturingLogger());
    expect(test.cloud.db.prepare('SELECT COUNT(*) FROM playback').pluck().get()).toBe(0);
    expect(warnings.at(-1)).toMatchObject({ leftOut: 3 });
    expect(await isPublic(draft.id)).toBe(false);
  });

  it("keeps a technician's test tone, which names no bulletin, and refuses one that names a bulletin", async () => {
    const at = kit.clock.now();
    const tone = await play({ occurrenceId: `${TEST_TONE_SCHEDULE_ID}:4f1c`, scheduleId: TEST_TONE_SCHEDULE_ID, bulletinId: null, plannedStartAt: at });
    expect(stored(tone)).toBe(true);
    const posing = await play({ occurrenceId: `${TEST_TONE_SCHEDULE_ID}:4f1d`, scheduleId: TEST_TONE_SCHEDULE_ID, bulletinId: draft.id, plannedStartAt: at });
    expect(stored(posing)).toBe(false);
    expect(await refusedCount()).toBe(1);
    expect(await isPublic(draft.id)).toBe(false);
  });

  it('accepts an alert the box was targeted by (its broadcast carries no bulletin id), refuses one for another hamlet', async () => {
    const alert = async (hamlets: string[]) => {
      const res = await kit.request('POST', '/api/v1/alerts', { text: 'Nước lên nhanh, bà con di chuyển lên chỗ cao.', severity: 'severe', kind: 'flood', targets: { hamlets }, expiresAt: kit.clock.now() + 2 * HOUR });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string; startsAt: number };
    };
    const ours = await alert(['ap-2a']);
    const theirs = await alert(['ap-3']);
    expect((await plan(edgeId)).map((i) => i.occurrenceId)).toContain(`alert:${ours.id}:0`);

    const played = await play({ occurrenceId: `alert:${ours.id}:0`, scheduleId: ours.id, bulletinId: null, plannedStartAt: ours.startsAt });
    expect(stored(played)).toBe(true);
    const refused = await play({ occurrenceId: `alert:${theirs.id}:0`, scheduleId: theirs.id, bulletinId: null, plannedStartAt: theirs.startsAt });
    expect(stored(refused)).toBe(false);
    expect(await refusedCount()).toBe(1);
  });

  it('accepts a live session the box was targeted by (scheduleId = the session), refuses another hamlet\'s, a swapped prefix and a named bulletin', async () => {
    const other = await claimTestEdge(test, 'ap-3');
    const ours = await kit.radio.live.start({ source: 'voice', title: 'Loa trực tiếp', priority: 'normal', targets: { hamlets: ['ap-2a'] }, startedBy: null, communeCode: null });
    const theirs = await kit.radio.live.start({ source: 'relay', title: 'VOV1', priority: 'normal', targets: { edges: [other.edgeId] }, startedBy: null, communeCode: null });
    const at = ours.session.epoch;
    const played = await play({ occurrenceId: liveOccurrenceId('voice', ours.session.id), scheduleId: ours.session.id, bulletinId: null, plannedStartAt: at });
    expect(stored(played)).toBe(true);
    const row = test.cloud.db.prepare('SELECT title, hamlet_code FROM playback WHERE event_id = ?').get(played) as { title: string; hamlet_code: string };
    expect(row).toEqual({ title: 'Loa trực tiếp', hamlet_code: 'ap-2a' });
    for (const body of [
      { occurrenceId: liveOccurrenceId('relay', theirs.session.id), scheduleId: theirs.session.id, bulletinId: null, plannedStartAt: at },
      { occurrenceId: liveOccurrenceId('relay', ours.session.id), scheduleId: ours.session.id, bulletinId: null, plannedStartAt: at },
      { occurrenceId: liveOccurrenceId('voice', ours.session.id), scheduleId: ours.session.id, bulletinId: draft.id, plannedStartAt: at },
    ]) expect(stored(await play(body))).toBe(false);
    expect(await refusedCount()).toBe(3);
    expect(await isPublic(draft.id)).toBe(false);
    await kit.radio.live.stop(ours.session.id, null);
    await kit.radio.live.stop(theirs.session.id, null);
  });
});
