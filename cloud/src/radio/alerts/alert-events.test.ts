import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertOccurrenceId, newId, topics, type PlaybackEvent } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import type { DomainEvents } from '../../events/domain-events.js';
import { startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const HOUR = 3_600_000;
const LEAD_MS = 1500;
const sample = (name: string) => readFileSync(new URL(`../cap/samples/${name}`, import.meta.url), 'utf8');

interface Box {
  edgeId: string;
  client: MqttClient;
}

describe('alerts starting, reaching each hamlet and stopping are published', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let boxes: Record<'ap2a' | 'ap2b' | 'ap3', Box>;
  let started: DomainEvents['alert.started'][];
  let delivered: DomainEvents['alert.delivered'][];
  let stopped: DomainEvents['alert.stopped'][];

  const connectBox = async (hamletCode: string, name: string): Promise<Box> => {
    const { edgeId, password } = await claimTestEdge(test, hamletCode, name);
    await waitFor(() => test.cloud.fleet.documents.get(edgeId, 'schedule'), `first plan of ${name}`);
    const client = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edgeId, username: edgeId, password, reconnectPeriod: 0 });
    return { edgeId, client };
  };

  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken, { alertLeadMs: LEAD_MS });
    boxes = { ap2a: await connectBox('ap-2', 'Tủ chợ'), ap2b: await connectBox('ap-2', 'Tủ trường'), ap3: await connectBox('ap-3', 'Tủ bến đò') };
    [started, delivered, stopped] = [[], [], []];
    test.cloud.events.subscribe('alert.started', (e) => void started.push(e));
    test.cloud.events.subscribe('alert.delivered', (e) => void delivered.push(e));
    test.cloud.events.subscribe('alert.stopped', (e) => void stopped.push(e));
  });
  afterEach(async () => {
    for (const box of Object.values(boxes)) await box.client.endAsync();
    await kit.stop();
    await test.stop();
  });

  const stored = async (eventId: string) => (await test.cloud.query.db.selectFrom('playback').select('event_id').where('event_id', '=', eventId).executeTakeFirst()) !== undefined;
  /** Proof of play of the alert's first sounding, as the box's outbox sends it, over MQTT with the box's credentials. */
  const play = async (box: Box, alert: { id: string; startsAt: number }, body: Partial<PlaybackEvent>) => {
    const eventId = newId('evt', 16);
    const event: PlaybackEvent = {
      occurrenceId: alertOccurrenceId(alert.id, 0),
      scheduleId: alert.id,
      bulletinId: null,
      state: 'started',
      plannedStartAt: alert.startsAt,
      actualStartAt: alert.startsAt + 40,
      durationMs: null,
      reason: null,
      zones: null,
      ...body,
    };
    await box.client.publishAsync(topics.event(box.edgeId, 'playback'), JSON.stringify({ eventId, ts: Date.now(), body: event }), { qos: 1 });
    await waitFor(() => stored(eventId), `playback ${eventId} stored`);
  };
  const postFlood = async (hamlets: string[], expiresInMs = 5 * HOUR) => {
    const res = await kit.request('POST', '/api/v1/alerts', { text: 'Nước kênh Xà No lên nhanh, bà con di chuyển lên chỗ cao.', severity: 'severe', kind: 'flood', targets: { hamlets }, expiresAt: kit.clock.now() + expiresInMs });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; startsAt: number; expiresAt: number };
  };

  it('publishes the start with the hamlets reached, the first start heard in each hamlet once, and the cancel', async () => {
    const alert = await postFlood(['ap-2', 'ap-3']);
    expect(started).toEqual([
      { alertId: alert.id, version: 1, priority: 'emergency', severity: 'severe', kind: 'flood', origin: 'json', hamletCodes: ['ap-2', 'ap-3'], startsAt: alert.startsAt, expiresAt: alert.expiresAt, replaces: null },
    ]);

    await play(boxes.ap2a, alert, {});
    expect(delivered).toEqual([{ alertId: alert.id, hamletCode: 'ap-2', edgeId: boxes.ap2a.edgeId, startedAt: alert.startsAt + 40 }]);
    // the same box finishing, and the hamlet's other box, say nothing new of the hamlet
    await play(boxes.ap2a, alert, { state: 'completed', durationMs: 3000 });
    await play(boxes.ap2b, alert, { actualStartAt: alert.startsAt + 90 });
    // a box that missed it delivered nothing; its later start does
    await play(boxes.ap3, alert, { state: 'missed', actualStartAt: null, reason: 'loa không phản hồi' });
    expect(delivered).toHaveLength(1);
    await play(boxes.ap3, alert, { actualStartAt: alert.startsAt + 700 });
    expect(delivered.map((d) => [d.hamletCode, d.edgeId, d.startedAt])).toEqual([
      ['ap-2', boxes.ap2a.edgeId, alert.startsAt + 40],
      ['ap-3', boxes.ap3.edgeId, alert.startsAt + 700],
    ]);

    kit.clock.advance(60_000);
    expect((await kit.request('DELETE', `/api/v1/alerts/${alert.id}`)).status).toBe(200);
    expect((await kit.request('DELETE', `/api/v1/alerts/${alert.id}`)).status).toBe(200); // already ended
    expect(stopped).toEqual([{ alertId: alert.id, reason: 'cancelled', at: kit.clock.now() }]);
  });

  it('publishes an alert expiring, at its expiry, once', async () => {
    const alert = await postFlood(['ap-3'], HOUR);
    kit.clock.advance(HOUR + 5_000);
    await waitFor(() => stopped.length === 1, 'the periodic check expires the alert');
    expect((await kit.request('GET', `/api/v1/alerts/${alert.id}`)).body.status).toBe('expired');
    expect(stopped).toEqual([{ alertId: alert.id, reason: 'expired', at: alert.expiresAt }]);
  });

  it('publishes a CAP Update as the start of the new version and the end of the one it replaced', async () => {
    const fresh = (xml: string) => {
      const iso = (ms: number) => DateTime.fromMillis(ms, { zone: 'Asia/Ho_Chi_Minh' }).toISO({ suppressMilliseconds: true })!;
      return xml.replace(/<((?:cap:)?sent)>[^<]*</g, `<$1>${iso(kit.clock.now())}<`).replace(/<((?:cap:)?expires)>[^<]*</g, `<$1>${iso(kit.clock.now() + 5 * HOUR)}<`);
    };
    const postCap = (xml: string) => kit.request('POST', '/api/v1/alerts', xml, { contentType: 'application/cap+xml' });
    const first = (await postCap(fresh(sample('storm-alert.xml')))).body as { id: string };
    const update = await postCap(fresh(sample('flood-update.xml')));
    expect(update.status, JSON.stringify(update.body)).toBe(201);
    expect(stopped).toEqual([{ alertId: first.id, reason: 'replaced', at: kit.clock.now() }]);
    expect(started.map((s) => [s.alertId, s.version, s.origin, s.replaces])).toEqual([
      [first.id, 1, 'cap', null],
      [update.body.id, 2, 'cap', first.id],
    ]);
    // the update reaches the whole commune
    expect(started[1]!.hamletCodes).toEqual(expect.arrayContaining(['ap-2', 'ap-3']));
    // the Cancel references the first message: it stops the alert that replaced it
    expect((await postCap(sample('storm-cancel.xml'))).status).toBe(200);
    expect(stopped.map((s) => [s.alertId, s.reason])).toEqual([
      [first.id, 'replaced'],
      [update.body.id, 'cancelled'],
    ]);
  });
});
