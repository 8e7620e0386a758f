import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import type { NewOutboxMessage } from './channel.js';

const message = (channel: string, n: number, subject = 'alert:alr_0123456789'): NewOutboxMessage => ({
  channel,
  idempotencyKey: `alert.started:${subject}:${channel}:${n}`,
  recipient: `recipient-${n}`,
  subject,
  event: 'alert.started',
  content: { title: 'Cảnh báo lũ', body: 'Nước lên nhanh, di dời ngay', path: '/radio/alerts' },
});

describe('the notifications API', () => {
  let test: TestCloud;
  const tokens: Record<string, string> = {};

  beforeEach(async () => {
    test = await startTestCloud();
    for (const role of ['operator', 'police', 'technician', 'viewer'] as const) {
      const username = `${role}-1`;
      const res = await test.request('POST', '/api/v1/users', { username, role, password: `password-${role}`, mustChangePassword: false });
      expect(res.status).toBe(201);
      tokens[role] = await test.login(username, `password-${role}`);
    }
  });
  afterEach(async () => {
    await test.stop();
  });

  /**
   * Messages in each state, as the dispatcher would leave them. Their channels ("email", "sms") do not
   * run in the test cloud: web push and Zalo do, and the dispatcher would take their messages (a retry
   * wakes it) before the test reads them.
   */
  const seed = async () => {
    const { outbox, store } = test.cloud.notifications;
    await outbox.enqueue([message('email', 1), message('email', 2), message('email', 3), message('sms', 1), message('sms', 2, 'bulletin:bul_1')]);
    const [a, b] = await store.claimDue('email', 2);
    await store.recordSent(a!.id, 120, 'msg-1');
    await store.recordFailed(b!.id, 80, 'the follower blocked the OA (error -230)');
    const [c] = await store.claimDue('sms', 1);
    await store.recordSent(c!.id, 40, undefined);
    return { sent: a!.id, failed: b!.id };
  };

  it('lists the outbox for admins, with attempts and reasons, filtered and paged', async () => {
    const { failed } = await seed();
    const all = await test.request('GET', '/api/v1/notifications/deliveries');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(5);
    const emails = await test.request('GET', '/api/v1/notifications/deliveries?channel=email&status=failed');
    expect(emails.body.items).toHaveLength(1);
    expect(emails.body.items[0]).toMatchObject({
      id: failed,
      channel: 'email',
      status: 'failed',
      attempts: 1,
      lastError: 'the follower blocked the OA (error -230)',
      history: [{ outcome: 'failed', reason: 'the follower blocked the OA (error -230)', durationMs: 80 }],
    });
    const bySubject = await test.request('GET', '/api/v1/notifications/deliveries?subject=bulletin:bul_1');
    expect(bySubject.body.items.map((d: { subject: string }) => d.subject)).toEqual(['bulletin:bul_1']);
    const paged = await test.request('GET', '/api/v1/notifications/deliveries?limit=2&offset=4');
    expect(paged.body).toMatchObject({ total: 5, limit: 2, offset: 4 });
    expect(paged.body.items).toHaveLength(1);
    expect((await test.request('GET', '/api/v1/notifications/deliveries?since=2099-01-01')).body.total).toBe(0);
    const bad = await test.request('GET', '/api/v1/notifications/deliveries?status=lost&limit=1000');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['limit', 'status']);
  });

  it('refuses the outbox and retry-now to everyone but admins', async () => {
    const { failed } = await seed();
    for (const role of ['operator', 'police', 'technician', 'viewer']) {
      expect((await test.request('GET', '/api/v1/notifications/deliveries', undefined, tokens[role])).status, role).toBe(403);
      expect((await test.request('POST', `/api/v1/notifications/deliveries/${failed}/retry`, undefined, tokens[role])).status, role).toBe(403);
    }
    expect((await test.request('GET', '/api/v1/notifications/deliveries', undefined, null)).status).toBe(401);
  });

  it('tries a given-up message again on an admin’s word, audited; only a given-up one', async () => {
    const { sent, failed } = await seed();
    const res = await test.request('POST', `/api/v1/notifications/deliveries/${failed}/retry`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: failed, status: 'queued', attempts: 1 });
    expect((await test.cloud.notifications.store.get(failed))!.status).toBe('queued');
    const trail = await test.cloud.audit.trail(`notification:${failed}`);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ actor: 'admin', action: 'notification.retry', details: { channel: 'email', lastError: 'the follower blocked the OA (error -230)' } });
    const again = await test.request('POST', `/api/v1/notifications/deliveries/${failed}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/is queued, not given up/);
    expect((await test.request('POST', `/api/v1/notifications/deliveries/${sent}/retry`)).status).toBe(409);
    expect((await test.request('POST', '/api/v1/notifications/deliveries/999999/retry')).status).toBe(404);
  });

  it('says where an alert went: per channel, and on the loudspeakers', async () => {
    await seed();
    const edge = await test.request<{ id: string }>('POST', '/api/v1/edges', { name: 'Tủ loa chợ', hamletCode: 'ap-2a' });
    expect(edge.status).toBe(201);
    const play = (eventId: string, scheduleId: string, bulletinId: string | null, actualStartAt: number) => ({
      event_id: eventId,
      edge_id: edge.body.id,
      occurrence_id: 'o',
      schedule_id: scheduleId,
      bulletin_id: bulletinId,
      state: 'completed',
      planned_start_at: 1000,
      actual_start_at: actualStartAt,
      received_at: 2000,
      hamlet_code: 'ap-2a',
    });
    await test.cloud.query.db
      .insertInto('playback')
      .values([play('evt_1', 'alr_0123456789', null, 1_500), play('evt_2', 'alr_0123456789', null, 1_700), play('evt_3', 'sch_1', 'bul_1', 1_900)])
      .execute();

    const res = await test.request('GET', '/api/v1/notifications/subjects/alert:alr_0123456789', undefined, tokens.operator);
    expect(res.status).toBe(200);
    const sentAt = (await test.cloud.notifications.store.page({ channel: 'email', status: 'sent' }, 1, 0)).items[0]!.sentAt;
    expect(res.body).toEqual({
      subject: 'alert:alr_0123456789',
      channels: [
        { channel: 'email', queued: 1, sending: 0, sent: 1, failed: 1, firstSentAt: sentAt, lastSentAt: sentAt },
        { channel: 'sms', queued: 0, sending: 0, sent: 1, failed: 0, firstSentAt: expect.any(Number), lastSentAt: expect.any(Number) },
      ],
      loudspeakers: { starts: 2, hamlets: 1, firstStartedAt: 1_500, lastStartedAt: 1_700 },
    });
    const bulletin = await test.request('GET', `/api/v1/notifications/subjects/${encodeURIComponent('bulletin:bul_1')}`, undefined, tokens.viewer);
    expect(bulletin.body).toMatchObject({
      channels: [{ channel: 'sms', queued: 1, sent: 0 }],
      loudspeakers: { starts: 1, hamlets: 1, firstStartedAt: 1_900 },
    });
    const incident = await test.request('GET', '/api/v1/notifications/subjects/incident:inc_1', undefined, tokens.operator);
    expect(incident.body).toEqual({ subject: 'incident:inc_1', channels: [], loudspeakers: null });
    expect((await test.request('GET', '/api/v1/notifications/subjects/alert:alr_0123456789', undefined, tokens.police)).status).toBe(403);
    expect((await test.request('GET', '/api/v1/notifications/subjects/nonsense', undefined, tokens.operator)).status).toBe(400);
  });
});
