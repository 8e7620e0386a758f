import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertMessageSchema, alertOccurrenceId, topics, type AlertMessage } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { waitFor } from '../../../../test-support/wait.js';
import { claimedEdgeWithPlan, startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const VN = 'Asia/Ho_Chi_Minh';
const HOUR = 3_600_000;
const LEAD_MS = 1500;
const sample = (name: string) => readFileSync(new URL(`../cap/samples/${name}`, import.meta.url), 'utf8');

describe('emergency alerts', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let ap2: string;
  let ap3: string;
  let broadcasts: AlertMessage[];
  let unsubscribe: () => Promise<void>;

  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken, { alertLeadMs: LEAD_MS });
    ap2 = await claimedEdgeWithPlan(test, 'ap-2');
    ap3 = await claimedEdgeWithPlan(test, 'ap-3');
    broadcasts = [];
    unsubscribe = await test.cloud.broker.subscribe(topics.broadcast('alert'), (_topic, payload) => broadcasts.push(alertMessageSchema.parse(JSON.parse(payload.toString()))));
  });
  afterEach(async () => {
    await unsubscribe();
    await kit.stop();
    await test.stop();
  });

  const planItems = async (edgeId: string)=> (await test.cloud.fleet.documents.get(edgeId, 'schedule'))!.body.items;
  const alertItems = async (edgeId: string) => (await planItems(edgeId)).filter((i) => i.occurrenceId.startsWith('alert:'));
  const storm = (overrides: Record<string, unknown> = {}) => ({
    text: 'Bão số 5 đang tiến vào đất liền. Bà con ấp 2 không ra sông, chằng chống nhà cửa.',
    severity: 'severe',
    kind: 'storm',
    targets: { hamlets: ['ap-2'] },
    expiresAt: kit.clock.now() + 5 * HOUR,
    ...overrides,
  });
  const post = (body: unknown) => kit.request('POST', '/api/v1/alerts', body);
  const postCap = (xml: string) => kit.request('POST', '/api/v1/alerts', xml, { contentType: 'application/cap+xml' });
  /** The sample with its sent and expires moved to now and `hoursLeft` ahead. */
  const fresh = (xml: string, hoursLeft = 5) => {
    const iso = (ms: number) => DateTime.fromMillis(ms, { zone: VN }).toISO({ suppressMilliseconds: true })!;
    return xml
      .replace(/<((?:cap:)?sent)>[^<]*</g, `<$1>${iso(kit.clock.now())}<`)
      .replace(/<((?:cap:)?expires)>[^<]*</g, `<$1>${iso(kit.clock.now() + hoursLeft * HOUR)}<`);
  };

  describe('from JSON', () => {
    it('speaks the text, broadcasts the start at once, and places the repetitions every 2 hours until expiry in the targeted edges\' plans', async () => {
      const res = await post(storm());
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const alert = res.body;
      const startsAt = kit.clock.now() + LEAD_MS;
      expect(alert).toMatchObject({
        version: 1,
        title: 'Bão số 5 đang tiến vào đất liền.',
        severity: 'severe',
        kind: 'storm',
        origin: 'json',
        priority: 'emergency',
        volume: 100,
        repeatEveryMs: 2 * HOUR,
        startsAt,
        expiresAt: kit.clock.now() + 5 * HOUR,
        targets: { all: false, hamlets: ['ap-2'], edges: [] },
        status: 'active',
        communeCode: null,
        issuer: 'province',
        hamlets: [{ code: 'ap-2', name: 'Ấp 2' }],
      });
      expect(kit.speech.requests).toEqual([{ title: alert.title, text: storm().text, voice: undefined, speed: undefined, createdBy: expect.stringMatching(/^usr_/) }]);
      const asset = test.cloud.db.prepare('SELECT a.sha256, a.bytes, a.duration_ms AS durationMs, a.mime FROM bulletins b JOIN audio_assets a ON a.sha256 = b.asset_sha256 WHERE b.id = ?').get(alert.bulletinId);

      await waitFor(() => broadcasts.length === 1, 'the start broadcast');
      expect(broadcasts[0]).toEqual({
        action: 'start',
        alertId: alert.id,
        version: 1,
        title: alert.title,
        priority: 'emergency',
        // the admin is a province-level person: the province's alert, ranked above a commune's own (issue 10)
        issuer: 'province',
        source: { kind: 'asset', asset },
        startAt: startsAt,
        repeatEveryMs: 2 * HOUR,
        expiresAt: alert.expiresAt,
        volume: 100,
        targets: { all: false, hamlets: ['ap-2'], edges: [] },
      });

      // at 0, 2 and 4 hours; the one at 6 hours would start after the expiry
      expect(await alertItems(ap2)).toEqual(
        [0, 1, 2].map((n) => ({
          occurrenceId: alertOccurrenceId(alert.id, n),
          scheduleId: alert.id,
          bulletinId: alert.bulletinId,
          title: alert.title,
          source: { kind: 'asset', asset },
          startAt: startsAt + n * 2 * HOUR,
          durationMs: alert.durationMs,
          priority: 'emergency',
          issuer: 'province',
          volume: 100,
          zones: null,
        })),
      );
      expect(await alertItems(ap3)).toEqual([]);
    });

    it('reaches edges named directly, and every edge for all', async () => {
      const direct = await post(storm({ targets: { edges: [ap3] }, kind: 'fire', title: 'Cháy kho lúa' }));
      expect(direct.status).toBe(201);
      expect(direct.body).toMatchObject({ repeatEveryMs: null, hamlets: [{ code: 'ap-3', name: 'Ấp 3', startedAt: null, state: null }] });
      expect((await alertItems(ap3)).map((i) => i.occurrenceId)).toEqual([alertOccurrenceId(direct.body.id, 0)]);
      expect(await alertItems(ap2)).toEqual([]);
      const all = await post(storm({ targets: { all: true }, repeatEveryMinutes: 60 }));
      expect(all.body.hamlets).toHaveLength(9);
      expect((await alertItems(ap2)).map((i) => i.occurrenceId)).toEqual([0, 1, 2, 3, 4].map((n) => alertOccurrenceId(all.body.id, n)));
    });

    it('shows, hamlet by hamlet, when a box first started the alert and what it last reported', async () => {
      const alert = (await post(storm({ targets: { hamlets: ['ap-2', 'ap-3'] } }))).body;
      expect(alert.hamlets).toEqual([
        { code: 'ap-2', name: 'Ấp 2', startedAt: null, state: null },
        { code: 'ap-3', name: 'Ấp 3', startedAt: null, state: null },
      ]);
      const report = (edgeId: string, state: string, actualStartAt: number | null, n = 0) =>
        test.cloud.broker.publish(topics.event(edgeId, 'playback'), JSON.stringify({
          eventId: `evt_${state}${n}${edgeId.slice(-6)}`,
          ts: kit.clock.now(),
          body: { occurrenceId: alertOccurrenceId(alert.id, n), scheduleId: alert.id, bulletinId: null, state, plannedStartAt: alert.startsAt, actualStartAt, durationMs: null, reason: null, zones: ['main'] },
        }), { qos: 1, retain: false });
      await report(ap2, 'started', alert.startsAt + 4);
      await report(ap2, 'completed', alert.startsAt + 4);
      await report(ap3, 'failed', null);
      const detail = await waitFor(async () => {
        const body = (await kit.request('GET', `/api/v1/alerts/${alert.id}`)).body;
        // each box's reports are stored in turn: wait for the last of them, not the first
        return body.hamlets.every((h: { state: string | null }) => h.state && h.state !== 'started') && body;
      }, 'both hamlets reported their end');
      expect(detail.hamlets).toEqual([
        { code: 'ap-2', name: 'Ấp 2', startedAt: alert.startsAt + 4, state: 'completed' },
        { code: 'ap-3', name: 'Ấp 3', startedAt: null, state: 'failed' },
      ]);
    });

    it('plays once when repeatEveryMinutes is null, even for a storm', async () => {
      const res = await post(storm({ repeatEveryMinutes: null }));
      expect(res.body.repeatEveryMs).toBeNull();
      expect(await alertItems(ap2)).toHaveLength(1);
    });

    it('refuses what cannot be played, naming why, and speaks nothing', async () => {
      const past = await post(storm({ expiresAt: kit.clock.now() - 1000 }));
      expect(past.status).toBe(400);
      expect(past.body.error.message).toContain('expiresAt');
      const unknownHamlet = await post(storm({ targets: { hamlets: ['ap-99'] } }));
      expect(unknownHamlet.status).toBe(400);
      expect(unknownHamlet.body.error.message).toContain('ap-99');
      const noTargets = await post(storm({ targets: {} }));
      expect(noTargets.status).toBe(400);
      expect(noTargets.body.error.details.map((d: { path: string }) => d.path)).toEqual(['targets']);
      const badSeverity = await post(storm({ severity: 'rất nặng' }));
      expect(badSeverity.body.error.details.map((d: { path: string }) => d.path)).toEqual(['severity']);
      expect(kit.speech.requests).toEqual([]);
      expect((await kit.request('GET', '/api/v1/alerts')).body.alerts).toEqual([]);
    });

    it('refuses a body that is neither JSON nor CAP', async () => {
      const res = await kit.request('POST', '/api/v1/alerts', 'bão', { contentType: 'text/plain' });
      expect(res.status).toBe(415);
    });
  });

  describe('cancel and expiry', () => {
    it('cancels: broadcasts cancel and removes the remaining repetitions from the plans', async () => {
      const { body: alert } = await post(storm());
      const res = await kit.request('DELETE', `/api/v1/alerts/${alert.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: alert.id, status: 'cancelled', cancelledAt: kit.clock.now() });
      await waitFor(() => broadcasts.length === 2, 'the cancel broadcast');
      expect(broadcasts[1]).toEqual({ action: 'cancel', alertId: alert.id, version: 1 });
      expect(await alertItems(ap2)).toEqual([]);
      // cancelling again changes nothing and broadcasts nothing more
      expect((await kit.request('DELETE', `/api/v1/alerts/${alert.id}`)).body.status).toBe('cancelled');
      expect(await kit.radio.plans.refresh()).toBe(0);
      expect(broadcasts).toHaveLength(2);
      expect((await kit.request('DELETE', '/api/v1/alerts/alr_doesnotexist')).status).toBe(404);
    });

    it('marks an alert past its expiry expired', async () => {
      const { body: alert } = await post(storm());
      expect((await kit.request('GET', '/api/v1/alerts?status=active')).body.alerts.map((a: { id: string }) => a.id)).toEqual([alert.id]);
      kit.clock.advance(5 * HOUR);
      expect((await kit.request('GET', `/api/v1/alerts/${alert.id}`)).body.status).toBe('expired');
      expect((await kit.request('GET', '/api/v1/alerts?status=active')).body.alerts).toEqual([]);
      expect((await kit.request('GET', '/api/v1/alerts?status=expired')).body.alerts.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    });
  });

  describe('from CAP 1.2', () => {
    it('starts a CAP storm warning in the hamlets its area names, and takes a repeated message as already received, even sent twice at once', async () => {
      const xml = fresh(sample('storm-alert.xml'));
      const res = await postCap(xml);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({
        origin: 'cap',
        capIdentifier: 'KTTV-HG-2026-1027-001',
        capSender: 'canhbao@kttv-haugiang.gov.vn',
        title: 'Cảnh báo bão số 5: gió mạnh cấp 8, giật cấp 10, mưa rất to',
        severity: 'severe',
        kind: 'storm',
        repeatEveryMs: 2 * HOUR,
        expiresAt: kit.clock.now() + 5 * HOUR,
        targets: { all: false, hamlets: ['ap-2', 'ap-2a', 'ap-3'], edges: [] },
      });
      expect(res.body.hamlets.map((h: { name: string }) => h.name)).toEqual(['Ấp 2', 'Ấp 2A', 'Ấp 3']);
      expect(kit.speech.requests[0]!.text).toMatch(/^Thông báo khẩn của Ban Chỉ huy Phòng chống thiên tai xã Vị Tân/);
      expect(await alertItems(ap2)).toHaveLength(3);
      expect(await alertItems(ap3)).toHaveLength(3);

      const again = await postCap(xml);
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(res.body.id);
      expect(kit.speech.requests).toHaveLength(1);
      // a feed sending the same message twice at once gets one alert too
      const [x, y] = await Promise.all([postCap(fresh(sample('flood-update.xml'))), postCap(fresh(sample('flood-update.xml')))]);
      expect([x.status, y.status].sort()).toEqual([200, 201]);
      expect(x.body.id).toBe(y.body.id);
      expect(kit.speech.requests).toHaveLength(2);
      await waitFor(() => broadcasts.length === 3, 'start, then cancel and start of the update');
      expect(broadcasts.map((b) => b.action)).toEqual(['start', 'cancel', 'start']);
    });

    it('replaces an alert on Update (next version) and cancels the replacement on Cancel', async () => {
      const first = (await postCap(fresh(sample('storm-alert.xml')))).body;
      const update = await postCap(fresh(sample('flood-update.xml'), 10));
      expect(update.status, JSON.stringify(update.body)).toBe(201);
      expect(update.body).toMatchObject({ version: 2, replaces: first.id, severity: 'extreme', targets: { all: true, hamlets: [], edges: [] }, status: 'active' });
      expect((await kit.request('GET', `/api/v1/alerts/${first.id}`)).body).toMatchObject({ status: 'cancelled', replacedBy: update.body.id });
      await waitFor(() => broadcasts.length === 3, 'start, cancel, start');
      expect(broadcasts.map((b) => [b.action, b.alertId, b.version])).toEqual([
        ['start', first.id, 1],
        ['cancel', first.id, 1],
        ['start', update.body.id, 2],
      ]);
      expect(new Set((await alertItems(ap2)).map((i) => i.scheduleId))).toEqual(new Set([update.body.id]));
      expect(await alertItems(ap2)).toHaveLength(5);

      // the Cancel references the first message: it reaches the alert that replaced it
      const cancel = await postCap(sample('storm-cancel.xml'));
      expect(cancel.status).toBe(200);
      expect(cancel.body).toMatchObject({ id: update.body.id, status: 'cancelled' });
      await waitFor(() => broadcasts.length === 4, 'the cancel broadcast');
      expect(broadcasts[3]).toEqual({ action: 'cancel', alertId: update.body.id, version: 2 });
      expect(await alertItems(ap2)).toEqual([]);
      expect(await alertItems(ap3)).toEqual([]);
    });

    it('refuses an invalid document with 400 and the reason', async () => {
      const res = await postCap(fresh(sample('storm-alert.xml')).replace(/<identifier>.*<\/identifier>/, ''));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
      expect(res.body.error.message).toBe('invalid CAP message: alert/identifier is missing');
      expect(res.body.error.details).toEqual({ problems: ['alert/identifier is missing'] });
      const notXml = await postCap('Bão số 5');
      expect(notXml.status).toBe(400);
      expect(notXml.body.error.message).toMatch(/not well-formed XML/);
      const huge = await postCap(fresh(sample('storm-alert.xml')).replace('</scope>', `</scope><note>${'x'.repeat(300 * 1024)}</note>`));
      expect(huge.status).toBe(413);
      expect(huge.body.error.code).toBe('payload_too_large');
    });

    it('refuses a document nested 30,000 levels deep with 400 in the error format (it answered 500)', async () => {
      const deep = fresh(sample('storm-alert.xml')).replace('</scope>', `</scope>${'<n>'.repeat(30_000)}${'</n>'.repeat(30_000)}`);
      const res = await postCap(deep);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('nested deeper than 32 levels') });
    });

    it('does not play a Test, an expired alert, or a Cancel of an alert it never received (422)', async () => {
      const testMessage = await postCap(fresh(sample('storm-alert.xml')).replace('<status>Actual</status>', '<status>Test</status>'));
      expect(testMessage.status).toBe(422);
      expect(testMessage.body.error).toMatchObject({ code: 'not_played', message: expect.stringContaining('only Actual') });
      const expired = await postCap(fresh(sample('storm-alert.xml'), -1));
      expect(expired.status).toBe(422);
      expect(expired.body.error.message).toContain('expires');
      const cancel = await postCap(sample('storm-cancel.xml'));
      expect(cancel.status).toBe(422);
      expect(cancel.body.error.code).toBe('unknown_reference');
      expect(cancel.body.error.message).toContain('KTTV-HG-2026-1027-001');
      expect(kit.speech.requests).toEqual([]);
      expect(broadcasts).toEqual([]);
    });
  });

  it('lets operators and admins use alerts, and nobody else', async () => {
    for (const role of ['operator', 'viewer', 'technician', 'police'] as const) {
      await test.api('POST', '/api/v1/users', { username: `${role}-1`, role, password: `password-${role}`, mustChangePassword: false });
      const token = await test.login(`${role}-1`, `password-${role}`);
      const res = await kit.request('POST', '/api/v1/alerts', storm(), { token });
      expect(res.status, role).toBe(role === 'operator' ? 201 : 403);
      expect((await kit.request('GET', '/api/v1/alerts', undefined, { token })).status, role).toBe(role === 'operator' ? 200 : 403);
    }
  });
});
