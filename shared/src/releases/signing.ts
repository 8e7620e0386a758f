import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { describeIssues } from '../messages/issues.js';
import { ReleaseError } from './errors.js';
import { MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, releaseManifestSchema, type ReleaseManifest } from './manifest.js';

/**
 * Ed25519 release signatures with node:crypto only. A public key travels as its raw 32 bytes in
 * base64 with a short id (the first 16 hex digits of their sha256), so a signature names the key
 * that made it and a box holding several keys (during a rotation) checks against the right one.
 */

export const releasePublicKeySchema = z.object({
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits'),
  publicKey: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 of a 32-byte Ed25519 public key'),
});
export type ReleasePublicKey = z.infer<typeof releasePublicKeySchema>;

/** `manifest.sig`: a detached signature over the exact bytes of `manifest.json`. */
export const releaseSignatureSchema = z.object({
  algorithm: z.literal('ed25519'),
  keyId: releasePublicKeySchema.shape.keyId,
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be the base64 of a 64-byte Ed25519 signature'),
});
export type ReleaseSignature = z.infer<typeof releaseSignatureSchema>;

export function keyIdOf(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 16);
}

function publicKeyObject(key: ReleasePublicKey): KeyObject {
  const raw = Buffer.from(key.publicKey, 'base64');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The public half of a private key, in the form boxes and the cloud store. */
export function publicKeyOf(privateKey: KeyObject): ReleasePublicKey {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new ReleaseError('bad_signature', 'the signing key is not an Ed25519 key');
  const raw = Buffer.from(jwk.x, 'base64url');
  return { keyId: keyIdOf(raw), publicKey: raw.toString('base64') };
}

/** A new signing keypair: the private key as PKCS#8 PEM (kept by the province, never in a bundle or the repo). */
export function generateReleaseKeyPair(): { privateKeyPem: string; publicKey: ReleasePublicKey } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: publicKeyOf(privateKey) };
}

export function loadPrivateKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new ReleaseError('bad_signature', `the signing key file is not a PEM private key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ReleaseError('bad_signature', `the signing key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
  return key;
}

/** Signs bytes (a manifest, a key-rotation message) into the detached signature form. */
export function signBytes(bytes: Buffer, privateKey: KeyObject): ReleaseSignature {
  const { keyId } = publicKeyOf(privateKey);
  return { algorithm: 'ed25519', keyId, signature: sign(null, bytes, privateKey).toString('base64') };
}

/** Checks a detached signature against the trusted keys; throws a ReleaseError naming what is wrong. */
export function verifySignedBytes(bytes: Buffer, signature: ReleaseSignature, publicKeys: readonly ReleasePublicKey[], what: string): ReleasePublicKey {
  if (publicKeys.length === 0) throw new ReleaseError('no_keys', `cannot check ${what}: no release public key is installed`);
  const key = publicKeys.find((k) => k.keyId === signature.keyId);
  if (!key) {
    throw new ReleaseError('unknown_key', `${what} is signed with key ${signature.keyId}, which is not trusted here (trusted: ${publicKeys.map((k) => k.keyId).join(', ')})`);
  }
  const ok = verify(null, bytes, publicKeyObject(key), Buffer.from(signature.signature, 'base64'));
  if (!ok) throw new ReleaseError('bad_signature', `${what}: the signature by key ${key.keyId} does not match its bytes`);
  return key;
}

export function parseSignature(sigBytes: Buffer, what = 'manifest.sig'): ReleaseSignature {
  if (sigBytes.length > MAX_SIGNATURE_BYTES) throw new ReleaseError('bad_signature', `${what} is ${sigBytes.length} bytes, more than ${MAX_SIGNATURE_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(sigBytes.toString('utf8'));
  } catch {
    throw new ReleaseError('bad_signature', `${what} is not JSON`);
  }
  const parsed = releaseSignatureSchema.safeParse(raw);
  if (!parsed.success) throw new ReleaseError('bad_signature', `${what} is not a release signature: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The manifest's exact bytes as written to `manifest.json` (signed as is: never re-serialised before checking). */
export function serializeManifest(manifest: ReleaseManifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`, 'utf8');
}

/**
 * Verifies `manifest.sig` over the bytes of `manifest.json` with the trusted keys, then parses the
 * manifest. The signature is checked first: nothing of an unsigned manifest is looked at.
 */
export function verifyManifest(manifestBytes: Buffer, sigBytes: Buffer, publicKeys: readonly ReleasePublicKey[]): { manifest: ReleaseManifest; key: ReleasePublicKey } {
  if (manifestBytes.length > MAX_MANIFEST_BYTES) throw new ReleaseError('bad_manifest', `manifest.json is ${manifestBytes.length} bytes, more than ${MAX_MANIFEST_BYTES}`);
  const key = verifySignedBytes(manifestBytes, parseSignature(sigBytes), publicKeys, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(manifestBytes.toString('utf8'));
  } catch {
    throw new ReleaseError('bad_manifest', 'manifest.json is signed but is not JSON');
  }
  const parsed = releaseManifestSchema.safeParse(raw);
  if (!parsed.success) throw new ReleaseError('bad_manifest', `manifest.json: ${describeIssues(parsed.error)}`);
  return { manifest: parsed.data, key };
}
