import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * The key a trusted CAP sender signs its messages with, as the province stores it: the signer's
 * X.509 certificate (PEM), or, for a source that publishes only its key, a bare public key (PEM SPKI).
 */
export interface SignerKey {
  publicKey: KeyObject;
  /** Null for a bare public key. */
  certificate: X509Certificate | null;
}

/** What an operator sees of a stored key: enough to compare it with what the source publishes. */
export interface SignerKeyDescription {
  kind: 'x509' | 'public_key';
  /** SHA-256 of the DER certificate (of the DER SPKI for a bare key), colon-separated hex as openssl prints it. */
  sha256: string;
  subject: string | null;
  issuer: string | null;
  /** Epoch ms; null for a bare key. */
  validFrom: number | null;
  validTo: number | null;
}

const CERTIFICATE_PEM = /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/;
const PUBLIC_KEY_PEM = /^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----$/;
const colonHex = (bytes: Buffer) => bytes.toString('hex').toUpperCase().match(/../g)!.join(':');

/** Reads one PEM certificate or public key; an error says what is wrong, for the operator. */
export function parseSignerKey(pem: string): { ok: true; key: SignerKey } | { ok: false; error: string } {
  const text = pem.trim();
  try {
    if (CERTIFICATE_PEM.test(text)) {
      if (text.match(/-----BEGIN/g)!.length > 1) return { ok: false, error: 'give the signer\'s own certificate only, not a chain' };
      const certificate = new X509Certificate(text);
      return { ok: true, key: { certificate, publicKey: certificate.publicKey } };
    }
    if (PUBLIC_KEY_PEM.test(text)) return { ok: true, key: { certificate: null, publicKey: createPublicKey(text) } };
  } catch (err) {
    return { ok: false, error: `not a readable PEM certificate or public key: ${(err as Error).message}` };
  }
  return { ok: false, error: 'expected a PEM X.509 certificate (-----BEGIN CERTIFICATE-----) or public key (-----BEGIN PUBLIC KEY-----)' };
}

export function describeSignerKey(key: SignerKey): SignerKeyDescription {
  const { certificate } = key;
  if (!certificate) {
    const spki = key.publicKey.export({ type: 'spki', format: 'der' });
    return { kind: 'public_key', sha256: colonHex(createHash('sha256').update(spki).digest()), subject: null, issuer: null, validFrom: null, validTo: null };
  }
  return {
    kind: 'x509',
    sha256: certificate.fingerprint256,
    subject: certificate.subject,
    issuer: certificate.issuer,
    validFrom: Date.parse(certificate.validFrom),
    validTo: Date.parse(certificate.validTo),
  };
}

/** The same key: certificates byte for byte, a bare key by its public key. */
export function sameSigner(stored: SignerKey, presented: X509Certificate): boolean {
  if (stored.certificate) return stored.certificate.raw.equals(presented.raw);
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  return spki(stored.publicKey).equals(spki(presented.publicKey));
}
