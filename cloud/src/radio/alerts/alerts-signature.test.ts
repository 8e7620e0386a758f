import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { capMessage, TEST_SENDER } from '../testing/cap-messages.js';
import { makeSigner, signCap, strangerKey, type TestSigner } from '../testing/cap-signing.js';
import { startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const HOUR = 3_600_000;
const FEED = { source: { kind: 'feed' as const, feedId: 'kttv-hg' } };
const CAP_XML = { contentType: 'application/cap+xml' };

describe('CAP messages signed by their source (XML signatures)', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let kttv: TestSigner;

  const message = (identifier: string, eas = 'Nước kênh Xà No lên nhanh.') =>
    capMessage({ identifier, sent: kit.clock.now(), infos: [{ expires: kit.clock.now() + 4 * HOUR, areas: [{ areaDesc: 'Ấp 2, xã Vị Tân' }], eas }] });
  const fromFeed = (xml: string) => kit.radio.alerts.receiveCap(xml, null, FEED);
  const heldCount = async (reason: string) => (await test.cloud.metrics.alertsHeld.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  const trustWithCertificate = () => kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: TEST_SENDER, note: 'Đài KTTV Hậu Giang', certificate: kttv.certPem });

  beforeAll(() => {
    kttv = makeSigner('kttv');
  });
  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken, { alertLeadMs: 1500 });
    const { id } = (await test.api<{ id: string }>('POST', '/api/v1/edges', { name: 'Tủ ấp 2', hamletCode: 'ap-2' })).body;
    expect(id).toBeTruthy();
  });
  afterEach(async () => {
    await kit.stop();
    await test.stop();
  });

  it('stores a sender\'s certificate and shows its fingerprint, subject and validity; refuses what is not one', async () => {
    const added = await trustWithCertificate();
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ sender: TEST_SENDER, certificate: { kind: 'x509', subject: 'CN=kttv', sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/), pem: kttv.certPem.trim() } });
    expect(added.body.certificate.validTo).toBeGreaterThan(kit.clock.now());
    expect((await kit.request('GET', '/api/v1/alerts/trusted-senders')).body.senders).toMatchObject([{ sender: TEST_SENDER, certificate: { subject: 'CN=kttv' } }]);
    const bad = await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: 'other@kttv.gov.vn', certificate: 'not a certificate' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toMatchObject([{ path: 'certificate' }]);
    const key = await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: 'key@kttv.gov.vn', certificate: kttv.publicKeyPem });
    expect(key.body.certificate).toMatchObject({ kind: 'public_key', subject: null });
  });

  it('plays a message signed with the stored certificate; holds one changed by a character, unsigned, signed by another key or wrapped; never speaks them', async () => {
    await trustWithCertificate();
    expect(await fromFeed(signCap(message('KTTV-OK'), kttv.keyPem, { keyInfoCert: kttv.certPem }))).toMatchObject({ kind: 'alert', created: true, alert: { capIdentifier: 'KTTV-OK' } });
    expect(kit.speech.requests).toHaveLength(1);

    const tampered = signCap(message('KTTV-T'), kttv.keyPem).replace('lên nhanh.</value>', 'lên nhanh!</value>');
    expect(await fromFeed(tampered)).toMatchObject({ kind: 'held', held: { reasons: ['bad_signature'] } });
    expect(await fromFeed(message('KTTV-U'))).toMatchObject({ kind: 'held', held: { reasons: ['unsigned'] } });
    expect(await fromFeed(signCap(message('KTTV-K'), strangerKey()))).toMatchObject({ kind: 'held', held: { reasons: ['bad_signature'] } });
    // the genuine signed alert tucked inside a forged one, whose text is read
    const genuine = signCap(message('KTTV-W'), kttv.keyPem).replace(/^<\?xml[^>]*\?>/, '').replace('<alert ', '<alert Id="a1" ').replace('URI=""', 'URI="#a1"');
    const wrapped = message('KTTV-W', 'Sơ tán ngay toàn xã.').replace('</alert>', `<Object xmlns="http://www.w3.org/2000/09/xmldsig#">${genuine}</Object></alert>`);
    expect(await fromFeed(wrapped)).toMatchObject({ kind: 'held', held: { reasons: ['bad_signature'] } });

    expect(kit.speech.requests).toHaveLength(1);
    expect(await heldCount('bad_signature')).toBe(3);
    expect(await heldCount('unsigned')).toBe(1);
    expect((await test.cloud.audit.page({ action: 'alert.held' }, 50, 0)).items.find((a) => a.details?.identifier === 'KTTV-T')).toMatchObject({ details: { reasons: ['bad_signature'], signature: expect.stringMatching(/changed after it was signed/) } });
    const held = (await kit.request('GET', '/api/v1/alerts/held')).body.held.map((h: { capIdentifier: string; reasons: string[] }) => [h.capIdentifier, h.reasons]);
    expect(Object.fromEntries(held)).toEqual({ 'KTTV-T': ['bad_signature'], 'KTTV-U': ['unsigned'], 'KTTV-K': ['bad_signature'], 'KTTV-W': ['bad_signature'] });
  });

  it('an operator vouches for an unsigned copy, but a message whose signature fails is held even from them; a sender trusted by name or not at all is as before', async () => {
    await trustWithCertificate();
    const tampered = signCap(message('KTTV-OP-T'), kttv.keyPem).replace('lên nhanh.</value>', 'lên nhanh!</value>');
    const held = await kit.request('POST', '/api/v1/alerts', tampered, CAP_XML);
    expect(held.status).toBe(202);
    expect(held.body).toMatchObject({ reasons: ['bad_signature'], source: 'manual' });
    expect((await kit.request('POST', '/api/v1/alerts', message('KTTV-OP-U'), CAP_XML)).status).toBe(201);
    expect((await kit.request('POST', '/api/v1/alerts', signCap(message('KTTV-OP-S'), kttv.keyPem), CAP_XML)).status).toBe(201);

    // a Cancel that does not verify stops nothing
    const cancel = capMessage({ identifier: 'KTTV-C', sent: kit.clock.now(), msgType: 'Cancel', references: [{ sender: TEST_SENDER, identifier: 'KTTV-OP-S', sent: Date.parse('2026-01-01T00:00:00+07:00') }], infos: [] });
    expect(await fromFeed(cancel).catch((err: { code: string }) => err.code)).toBe('unsigned');

    // trusted by name only: signed or not, as before; not on the list: held as untrusted, signed or not
    await kit.request('DELETE', `/api/v1/alerts/trusted-senders/${encodeURIComponent(TEST_SENDER)}`);
    expect(await fromFeed(signCap(message('KTTV-N1'), kttv.keyPem))).toMatchObject({ kind: 'held', held: { reasons: ['untrusted_sender'] } });
    await kit.request('POST', '/api/v1/alerts/trusted-senders', { sender: TEST_SENDER });
    expect(await fromFeed(message('KTTV-N2'))).toMatchObject({ kind: 'alert', created: true });
  });
});
