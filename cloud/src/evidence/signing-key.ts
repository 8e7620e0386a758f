import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makePrivateDir, PRIVATE_FILE } from '../private-files.js';

/** What a recipient needs to check a bundle: the public key and its fingerprint (what the health page shows). */
export interface ExportPublicKey {
  algorithm: 'Ed25519';
  /** SPKI PEM, as written into every bundle as public-key.pem. */
  publicKeyPem: string;
  /** SHA-256 (hex) of the public key's DER SPKI bytes: `openssl pkey -pubin -in public-key.pem -outform DER | sha256sum`. */
  fingerprint: string;
}

export interface ExportSigner extends ExportPublicKey {
  /** The Ed25519 signature of `data`, exactly these bytes. */
  sign(data: Buffer): Buffer;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

export type SigningKeyConfig = { SC_DATA_DIR: string; SC_EXPORT_SIGNING_KEY_FILE?: string | undefined };

/** Default: `keys/export-signing.pem` in the data dir, beside the secret key (not in the database). */
export const signingKeyFile = (config: SigningKeyConfig) => config.SC_EXPORT_SIGNING_KEY_FILE ?? join(config.SC_DATA_DIR, 'keys', 'export-signing.pem');

/** SHA-256 hex of a public key's DER SubjectPublicKeyInfo: the same for every PEM rendering of the key. */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function describePublicKey(key: KeyObject): ExportPublicKey {
  return { algorithm: 'Ed25519', publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: publicKeyFingerprint(key) };
}

/** A signer over an Ed25519 private key (PKCS#8 PEM); refuses any other kind of key, naming where it came from. */
export function signerFromPem(pem: string, source: string): ExportSigner {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new SigningKeyError(`${source} is not a PEM private key (PKCS#8, e.g. \`openssl genpkey -algorithm ed25519\`): ${(err as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`${source} holds a ${privateKey.asymmetricKeyType ?? 'unknown'} key; export signing needs Ed25519 (openssl genpkey -algorithm ed25519)`);
  return { ...describePublicKey(createPublicKey(privateKey)), sign: (data) => sign(null, data, privateKey) };
}

/**
 * The key that signs evidence exports: SC_EXPORT_SIGNING_KEY_FILE or the default file, generated
 * (0600, its directory 0700) when missing. Created with 'wx', so two processes sharing one file
 * that start together keep one key: the second reads what the first wrote. The key is never
 * replaced: bundles signed before must keep verifying against the fingerprint people noted.
 */
export function loadExportSigner(config: SigningKeyConfig): ExportSigner {
  const file = signingKeyFile(config);
  if (!existsSync(file)) {
    makePrivateDir(dirname(file));
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: PRIVATE_FILE, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } else if ((statSync(file).mode & 0o077) !== 0) {
    try {
      chmodSync(file, PRIVATE_FILE);
    } catch {
      // a key the service may not change (read-only mount, another owner) is the operator's to protect
    }
  }
  return signerFromPem(readFileSync(file, 'utf8'), `the export signing key ${file}`);
}
