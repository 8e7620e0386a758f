import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { capMessage, TEST_SENDER, type TestInfo, type TestMessage } from '../testing/cap-messages.js';
import { claimedEdgeWithPlan, startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const HOUR = 3_600_000;
const FEED = { source: { kind: 'feed' as const, feedId: 'kttv-hg' } };

describe('held CAP messages and trusted senders', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let ap2: string;
  let ap3: string;

  const alertsIn = async (edgeId: string)=> [...new Set((await test.cloud.fleet.documents.get(edgeId, 'schedule'))!.body.items.filter((i) => i.occurrenceId.startsWith('alert:')).map((i) => i.scheduleId))];
  const message = (identifier: string, info: TestInfo = {}, extra: Pick<TestMessage, 'sender' | 'msgType' | 'references'> = {}) =>
    capMessage({ identifier, sent: kit.clock.now(), ...extra, infos: extra.msgType === 'Cancel' ? [] : [{ expires: kit.clock.now() + 4 * HOUR, areas: [{ areaDesc: 'Ấp 2, xã Vị Tân' }], eas: 'Nước kênh Xà No lên nhanh.', ...info }] });
  /** What a feed does: the same entry point, no person behind it. */
  const fromFeed = (xml: string) => kit.radio.alerts.receiveCap(xml, null, FEED);
  const heldCount = async (reason: string) => (await test.cloud.metrics.alertsHeld.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  const audit = async (action: string) => (await test.cloud.audit.page({ action }, 50, 0)).items;

  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken, { alertLeadMs: 1500 });
    ap2 = await claimedEdgeWithPlan(test, 'ap-2');
    ap3 = await claimedEdgeWithPlan(test, 'ap-3');
  });
  afterEach(async () => {
    await kit.stop();
    await test.stop();
  });

  it('holds a feed message from a sender not on the list, counts and audits it; an operator confirms it into chosen hamlets with edited text', async () => {
    const receipt = await fromFeed(message('KTTV-1'));
    expect(receipt).toMatchObject({ kind: 'held', created: true, held: { status: 'held', reasons: ['untrusted_sender'], source: 'feed:kttv-hg' } });
    expect(kit.speech.requests).toEqual([]);
    expect(await alertsIn(ap2)).toEqual([]);
    expect(await heldCount('untrusted_sender')).toBe(1);
    expect(await audit('alert.held')).toMatchObject([{ actor: 'system', target: `held:${receipt.kind === 'held' && receipt.held.id}`, details: { reasons: ['untrusted_sender'], sender: TEST_SENDER, identifier: 'KTTV-1', source: 'feed:kttv-hg' } }]);
    // the same message again from the feed: the same held message, counted once
    expect(await fromFeed(message('KTTV-1'))).toMatchObject({ kind: 'held', created: false });
    expect(await heldCount('untrusted_sender')).toBe(1);

    const list = await kit.request('GET', '/api/v1/alerts/held');
    expect(list.status).toBe(200);
    expect(list.body.held).toHaveLength(1);
    const held = list.body.held[0];
    expect(held).toMatchObject({ status: 'held', reasons: ['untrusted_sender'], capSender: TEST_SENDER, headline: 'Nước kênh Xà No lên nhanh', originalText: 'Nước kênh Xà No lên nhanh.', text: 'Nước kênh Xà No lên nhanh.', targets: { all: false, hamlets: ['ap-2'] }, priority: 'emergency' });

    const text = 'Nước kênh Xà No lên nhanh. Bà con ấp 3 kê cao đồ đạc.';
    const confirmed = await kit.request('POST', `/api/v1/alerts/held/${held.id}/confirm`, { targets: { hamlets: ['ap-3'] }, text });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201);
    expect(confirmed.body.held).toMatchObject({ status: 'confirmed', alertId: confirmed.body.alert.id });
    expect(confirmed.body.alert).toMatchObject({ origin: 'cap', capIdentifier: 'KTTV-1', text, targets: { all: false, hamlets: ['ap-3'], edges: [] }, status: 'active' });
    expect(kit.speech.requests.map((r) => [r.text, r.createdBy])).toEqual([[text, expect.stringMatching(/^usr_/)]]);
    expect(await alertsIn(ap3)).toEqual([confirmed.body.alert.id]);
    expect(await alertsIn(ap2)).toEqual([]);
    expect(await audit('alert.held_confirmed')).toMatchObject([{ actor: 'admin', target: `held:${held.id}`, details: { alertId: confirmed.body.alert.id, textEdited: true, targets: { hamlets: ['ap-3'] } } }]);

    // once confirmed, neither again nor rejected; the message from the feed again is its alert
    expect((await kit.request('POST', `/api/v1/alerts/held/${held.id}/confirm`, {})).status).toBe(409);
    expect((await kit.request('POST', `/api/v1/alerts/held/${held.id}/reject`, {})).status).toBe(409);
    expect(await fromFeed(message('KTTV-1'))).toMatchObject({ kind: 'alert', created: false, alert: { id: confirmed.body.alert.id } });
    expect((await kit.request('GET', '/api/v1/alerts/held')).body.held).toEqual([]);
    expect((await kit.request('GET', '/api/v1/alerts/held?status=confirmed')).body.held.map((h: { id: string }) => h.id)).toEqual([held.id]);
  });

  it('plays a trusted sender\'s feed message on its own; an operator posting by hand vouches for the sender', async () => {
    const add = await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: TEST_SENDER, note: 'Đài KTTV Hậu Giang' });
    expect(add.status, JSON.stringify(add.body)).toBe(201);
    expect((await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: TEST_SENDER })).status).toBe(409);
    expect((await kit.request('GET', '/api/v1/alerts/trusted-senders')).body.senders).toEqual([{ sender: TEST_SENDER, note: 'Đài KTTV Hậu Giang', addedAt: kit.clock.now(), certificate: null }]);
    expect(await fromFeed(message('KTTV-2'))).toMatchObject({ kind: 'alert', created: true, alert: { targets: { hamlets: ['ap-2'] } } });
    expect(await alertsIn(ap2)).toHaveLength(1);

    expect((await kit.request('DELETE', `/api/v1/alerts/trusted-senders/${encodeURIComponent(TEST_SENDER)}`)).body.senders).toEqual([]);
    expect(await fromFeed(message('KTTV-3'))).toMatchObject({ kind: 'held', held: { reasons: ['untrusted_sender'] } });
    // an operator's post of another message of the same sender plays
    const manual = await kit.request('POST', '/api/v1/alerts', message('KTTV-4'), { contentType: 'application/cap+xml' });
    expect(manual.status).toBe(201);
    // a marker that is not a person is no operator
    expect(await kit.radio.alerts.receiveCap(message('KTTV-5'), 'feed:kttv-hg')).toMatchObject({ kind: 'held', held: { source: 'automatic' } });
  });

  it('only admins manage the list; operators read it', async () => {
    await test.api('POST', '/api/v1/users', { username: 'op-1', role: 'operator', password: 'password-op', mustChangePassword: false });
    const token = await test.login('op-1', 'password-op');
    expect((await kit.request('GET', '/api/v1/alerts/trusted-senders', undefined, { token })).status).toBe(200);
    expect((await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: TEST_SENDER }, { token })).status).toBe(403);
    expect((await kit.request('DELETE', '/api/v1/alerts/trusted-senders/x@y', undefined, { token })).status).toBe(403);
    const bad = await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: 'hai từ' });
    expect(bad.status).toBe(400);
    expect((await kit.request('DELETE', '/api/v1/alerts/trusted-senders/nobody@nowhere')).status).toBe(404);
  });

  it('needs the Vietnamese text and the hamlets of a message that has neither; reject ends it, audited', async () => {
    const english = message('KTTV-EN', { language: 'en-US', headline: 'Flood warning', eas: 'The canal is rising fast.', areas: [{ areaDesc: 'Low-lying areas along the canal' }] });
    const receipt = await kit.request('POST', '/api/v1/alerts', english, { contentType: 'application/cap+xml' });
    expect(receipt.status).toBe(202);
    expect(receipt.body).toMatchObject({ reasons: ['no_evaluable_area', 'no_vietnamese'], originalText: 'The canal is rising fast.', headline: 'Flood warning', text: null, targets: null });
    expect(await heldCount('no_vietnamese')).toBe(1);
    expect(await heldCount('no_evaluable_area')).toBe(1);
    const id = receipt.body.id;
    const noText = await kit.request('POST', `/api/v1/alerts/held/${id}/confirm`, { targets: { all: true } });
    expect(noText.status).toBe(400);
    expect(noText.body.error.details).toEqual([{ path: 'text', message: 'required' }]);
    const noTargets = await kit.request('POST', `/api/v1/alerts/held/${id}/confirm`, { text: 'Nước kênh lên nhanh.' });
    expect(noTargets.status).toBe(400);
    expect(noTargets.body.error.details).toEqual([{ path: 'targets', message: 'required' }]);
    expect((await kit.request('POST', `/api/v1/alerts/held/${id}/confirm`, { text: 'x', targets: { hamlets: ['ap-99'] } })).status).toBe(400);
    expect(kit.speech.requests).toEqual([]);

    const rejected = await kit.request('POST', `/api/v1/alerts/held/${id}/reject`, { note: 'Tin không dành cho xã' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', note: 'Tin không dành cho xã' });
    expect(await audit('alert.held_rejected')).toMatchObject([{ actor: 'admin', target: `held:${id}`, details: { note: 'Tin không dành cho xã' } }]);
    expect((await kit.request('POST', `/api/v1/alerts/held/${id}/confirm`, { text: 'x', targets: { all: true } })).status).toBe(409);
    expect((await kit.request('GET', '/api/v1/alerts/held/hld_nope')).status).toBe(404);
  });

  it('lets a message that expired while it was held go: no longer listed, nor confirmed', async () => {
    const receipt = await fromFeed(message('KTTV-SHORT', { expires: kit.clock.now() + HOUR }));
    const id = receipt.kind === 'held' ? receipt.held.id : '';
    const almost = await fromFeed(message('KTTV-SHORT-2', { expires: kit.clock.now() + HOUR + 1000 }));
    kit.clock.advance(HOUR);
    const res = await kit.request('POST', `/api/v1/alerts/held/${id}/confirm`, {});
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ message: `held alert ${id} is already expired`, details: { status: 'expired' } });
    // still held, but it would end before the boxes could start it
    const late = await kit.request('POST', `/api/v1/alerts/held/${almost.kind === 'held' ? almost.held.id : ''}/confirm`, {});
    expect(late.status).toBe(422);
    expect(late.body.error.message).toBe('the alert expired while it was held');
    expect((await kit.request('GET', '/api/v1/alerts/held?status=expired')).body.held.map((h: { id: string }) => h.id)).toEqual([id]);
    expect(kit.speech.requests).toEqual([]);
  });

  it('a Cancel from a sender not trusted stops nothing; it withdraws its own held message; an Update replaces a held one', async () => {
    const played = await kit.request('POST', '/api/v1/alerts', message('KTTV-PLAYED'), { contentType: 'application/cap+xml' });
    expect(played.status).toBe(201);
    const ref = (id: string) => [{ sender: TEST_SENDER, identifier: id, sent: Date.parse('2026-01-01T00:00:00+07:00') }];
    const untrustedCancel = await fromFeed(message('KTTV-C1', {}, { msgType: 'Cancel', references: ref('KTTV-PLAYED') })).catch((err: { status: number; code: string }) => err);
    expect(untrustedCancel).toMatchObject({ status: 422, code: 'untrusted_sender' });
    expect((await kit.request('GET', `/api/v1/alerts/${played.body.id}`)).body.status).toBe('active');

    const first = await fromFeed(message('KTTV-H1'));
    const update = await fromFeed(message('KTTV-H2', { eas: 'Nước đã lên 1,5 m.' }, { msgType: 'Update', references: ref('KTTV-H1') }));
    expect(update).toMatchObject({ kind: 'held', created: true });
    expect(first.kind === 'held' && (await kit.request('GET', `/api/v1/alerts/held/${first.held.id}`)).body.status).toBe('superseded');
    const cancel = await fromFeed(message('KTTV-C2', {}, { msgType: 'Cancel', references: ref('KTTV-H2') }));
    expect(cancel).toMatchObject({ kind: 'held', held: { status: 'cancelled' } });
    expect((await kit.request('GET', '/api/v1/alerts/held')).body.held).toEqual([]);
    expect(await audit('alert.held_cancelled')).toHaveLength(1);
    expect(await audit('alert.held_superseded')).toHaveLength(1);

    // from a trusted sender, the Cancel stops the alert
    await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: TEST_SENDER });
    expect(await fromFeed(message('KTTV-C3', {}, { msgType: 'Cancel', references: ref('KTTV-PLAYED') }))).toMatchObject({ kind: 'alert', alert: { id: played.body.id, status: 'cancelled' } });
  });
});
