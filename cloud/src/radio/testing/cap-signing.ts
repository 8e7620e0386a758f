import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import { ECDSA_SHA256, EcdsaSha256, ENVELOPED, EXC_C14N, RSA_SHA256, SHA256 } from '../cap/cap-signature.js';

/**
 * Test support: a source's signing key with a self-signed certificate (made by openssl, as a source
 * would), and CAP messages signed as CAP 1.2 §3.3.2.1 describes (enveloped, over the whole alert).
 */
export interface TestSigner {
  keyPem: string;
  certPem: string;
  /** The bare public key (SPKI PEM). */
  publicKeyPem: string;
}

export function makeSigner(cn: string, kind: 'rsa' | 'ec' = 'rsa'): TestSigner {
  const dir = mkdtempSync(join(tmpdir(), 'cap-signer-'));
  try {
    const keyPath = join(dir, 'k.pem');
    const certPath = join(dir, 'c.pem');
    const newkey = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-subj', `/CN=${cn}`, '-days', '1', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
    const certPem = readFileSync(certPath, 'utf8');
    const publicKeyPem = execFileSync('openssl', ['x509', '-in', certPath, '-pubkey', '-noout'], { encoding: 'utf8' });
    return { keyPem: readFileSync(keyPath, 'utf8'), certPem, publicKeyPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A key pair with no certificate, for a signer the province does not know. */
export const strangerKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export interface SignOptions {
  /** Publish this certificate in KeyInfo (default: none). */
  keyInfoCert?: string;
  /** Default exclusive canonicalisation. */
  canonicalization?: string;
  digest?: string;
  /** Sign the element the XPath selects (default the root, by URI ""). */
  xpath?: string;
  /** A namespace prefix for the signature's elements (ds:Signature). */
  prefix?: string;
}

/** The message signed with the key: enveloped signature appended to the signed element. */
export function signCap(xml: string, keyPem: string, options: SignOptions = {}): string {
  const ec = createPrivateKey(keyPem).asymmetricKeyType === 'ec';
  const sig = new SignedXml({
    privateKey: keyPem,
    publicCert: options.keyInfoCert,
    canonicalizationAlgorithm: options.canonicalization ?? EXC_C14N,
    signatureAlgorithm: ec ? ECDSA_SHA256 : RSA_SHA256,
  });
  sig.SignatureAlgorithms[ECDSA_SHA256] = EcdsaSha256;
  const xpath = options.xpath ?? '/*';
  sig.addReference({ xpath, transforms: [ENVELOPED, options.canonicalization ?? EXC_C14N], digestAlgorithm: options.digest ?? SHA256, isEmptyUri: xpath === '/*' });
  sig.computeSignature(xml, { prefix: options.prefix, location: { reference: xpath, action: 'append' } });
  return sig.getSignedXml();
}
