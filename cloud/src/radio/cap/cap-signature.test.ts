import { beforeAll, describe, expect, it } from 'vitest';
import { capMessage } from '../testing/cap-messages.js';
import { makeSigner, signCap, strangerKey, type TestSigner } from '../testing/cap-signing.js';
import { parseCap } from './cap-parser.js';
import { verifyCapSignature, XMLDSIG_NAMESPACE } from './cap-signature.js';
import { describeSignerKey, parseSignerKey, type SignerKey } from './signer-key.js';

const key = (pem: string): SignerKey => {
  const parsed = parseSignerKey(pem);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.key;
};
const now = Date.now();
const alert = (eas = 'Nước kênh Xà No lên nhanh.') => capMessage({ identifier: 'KTTV-S1', sent: now, infos: [{ expires: now + 3_600_000, areas: [{ areaDesc: 'Ấp 2' }], eas }] });
const problem = (check: ReturnType<typeof verifyCapSignature>) => (check.status === 'invalid' ? check.problem : check.status);

describe('CAP XML signatures', () => {
  let kttv: TestSigner;
  let ec: TestSigner;
  beforeAll(() => {
    kttv = makeSigner('kttv');
    ec = makeSigner('kttv-ec', 'ec');
  });

  it('accepts the whole alert signed with the stored certificate, or its bare public key; the signed text parses as the alert', () => {
    const signed = signCap(alert(), kttv.keyPem, { keyInfoCert: kttv.certPem });
    const check = verifyCapSignature(signed, key(kttv.certPem), now);
    expect(check.status).toBe('valid');
    const parsed = check.status === 'valid' ? parseCap(check.signedXml) : null;
    expect(parsed).toMatchObject({ ok: true, alert: { identifier: 'KTTV-S1', infos: [{ parameters: [{ valueName: 'EASText', value: 'Nước kênh Xà No lên nhanh.' }] }] } });
    expect(verifyCapSignature(signed, key(kttv.publicKeyPem), now).status).toBe('valid');
    expect(verifyCapSignature(signCap(alert(), ec.keyPem), key(ec.certPem), now).status).toBe('valid');
    // the ds prefix declared on the alert rather than on the Signature
    const ds = signCap(alert(), kttv.keyPem, { prefix: 'ds' }).replace(` xmlns:ds="${XMLDSIG_NAMESPACE}"`, '').replace('<alert ', `<alert xmlns:ds="${XMLDSIG_NAMESPACE}" `);
    expect(verifyCapSignature(ds, key(kttv.certPem), now).status).toBe('valid');
  });

  it('refuses a changed text, another key, a KeyInfo certificate that is not the stored one, and says when there is none', () => {
    const signed = signCap(alert(), kttv.keyPem);
    expect(problem(verifyCapSignature(signed.replace('lên nhanh.</value>', 'lên nhanh!</value>'), key(kttv.certPem), now))).toMatch(/changed after it was signed/);
    expect(problem(verifyCapSignature(signCap(alert(), strangerKey()), key(kttv.certPem), now))).toMatch(/does not verify/);
    const other = makeSigner('other');
    // signed with the stored key, but KeyInfo names another certificate: refused (KeyInfo is compared, not trusted)
    expect(problem(verifyCapSignature(signCap(alert(), kttv.keyPem, { keyInfoCert: other.certPem }), key(kttv.certPem), now))).toMatch(/KeyInfo .*not the sender's/);
    // signed by another key that KeyInfo presents: KeyInfo does not make it trusted
    expect(problem(verifyCapSignature(signCap(alert(), other.keyPem, { keyInfoCert: other.certPem }), key(kttv.certPem), now))).toMatch(/does not verify/);
    expect(verifyCapSignature(alert(), key(kttv.certPem), now)).toEqual({ status: 'unsigned' });
    expect(problem(verifyCapSignature(signed, key(kttv.certPem), now + 3 * 86_400_000))).toMatch(/certificate is valid from/);
  });

  it('refuses SHA-1, inclusive canonicalisation and a signature over part of the alert', () => {
    expect(problem(verifyCapSignature(signCap(alert(), kttv.keyPem, { digest: 'http://www.w3.org/2000/09/xmldsig#sha1' }), key(kttv.certPem), now))).toMatch(/sha1/);
    const inclusive = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
    expect(problem(verifyCapSignature(signCap(alert(), kttv.keyPem, { canonicalization: inclusive }), key(kttv.certPem), now))).toMatch(/exclusive/);
    const partial = signCap(alert(), kttv.keyPem, { xpath: "//*[local-name(.)='info']" });
    expect(problem(verifyCapSignature(partial, key(kttv.certPem), now))).toMatch(/child of <alert>|not the whole alert/);
  });

  it('refuses a wrapping attack: the genuine signed alert moved inside, a forged alert as the root', () => {
    const genuine = signCap(alert(), kttv.keyPem).replace(/^<\?xml[^>]*\?>/, '');
    const withId = genuine.replace('<alert ', '<alert Id="a1" ').replace('URI=""', 'URI="#a1"');
    const forged = alert('Sơ tán ngay toàn xã.').replace('</alert>', `<Object xmlns="http://www.w3.org/2000/09/xmldsig#">${withId}</Object></alert>`);
    expect(verifyCapSignature(forged, key(kttv.certPem), now).status).toBe('invalid');
    // the signature lifted to the forged root, its reference still the genuine alert by Id
    const signatureOf = (xml: string) => xml.slice(xml.indexOf('<Signature'), xml.indexOf('</Signature>') + '</Signature>'.length);
    const lifted = alert('Sơ tán ngay toàn xã.').replace('</alert>', `${signatureOf(withId)}<Object xmlns="http://www.w3.org/2000/09/xmldsig#">${withId.replace(signatureOf(withId), '')}</Object></alert>`);
    expect(problem(verifyCapSignature(lifted, key(kttv.certPem), now))).toMatch(/not the whole alert/);
  });

  it('describes a stored key by fingerprint, subject and validity; refuses what is not a PEM key', () => {
    expect(describeSignerKey(key(kttv.certPem))).toMatchObject({ kind: 'x509', subject: 'CN=kttv', sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) });
    expect(describeSignerKey(key(kttv.publicKeyPem))).toMatchObject({ kind: 'public_key', subject: null, validTo: null });
    expect(parseSignerKey('hello')).toMatchObject({ ok: false });
    expect(parseSignerKey(kttv.keyPem)).toMatchObject({ ok: false });
    expect(parseSignerKey(kttv.certPem + kttv.certPem)).toMatchObject({ ok: false, error: expect.stringMatching(/chain/) });
  });
});
