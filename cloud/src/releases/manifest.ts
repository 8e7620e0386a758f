import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { releaseArchSchema, releaseVersionSchema } from '@smart-commune/shared';

/*
 * The release manifest and its detached Ed25519 signature, as the design of issue 15 names them
 * (manifest.json + manifest.sig in the bundle). INTERIM: brief 15b owns the manifest code in shared/;
 * once merged, this file re-exports it and the cloud's checks stay as they are.
 */

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
/** A file's path inside the bundle: relative, no `..`, no backslashes, no empty parts. */
const bundlePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), 'a relative path without "..", "." or empty parts');

export const releaseManifestSchema = z.object({
  product: z.enum(['edge', 'cloud']),
  version: releaseVersionSchema,
  arch: releaseArchSchema,
  minCloudVersion: z.string().max(64).optional(),
  contractVersion: z.union([z.number().int().positive(), z.string().max(64)]).optional(),
  files: z.array(z.object({ path: bundlePath, size: z.number().int().nonnegative(), sha256: sha256Hex })).max(200_000),
});
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';

/** The Ed25519 public keys in a PEM file (one or more `PUBLIC KEY` blocks): the province's release keys. */
export function loadPublicKeys(file: string): KeyObject[] {
  if (!existsSync(file)) return [];
  const pem = readFileSync(file, 'utf8');
  const blocks = pem.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  return blocks.map((block) => {
    const key = createPublicKey(block);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: a release key must be Ed25519, found ${key.asymmetricKeyType}`);
    return key;
  });
}

/** The signature as stored: 64 raw bytes, or their base64 on one line. */
function signatureBytes(sig: Buffer): Buffer {
  if (sig.length === 64) return sig;
  return Buffer.from(sig.toString('utf8').trim(), 'base64');
}

/** True when one of the keys signed exactly these manifest bytes. */
export function verifyManifest(bytes: Buffer, sig: Buffer, keys: readonly KeyObject[]): boolean {
  const signature = signatureBytes(sig);
  if (signature.length !== 64) return false;
  return keys.some((key) => verify(null, bytes, key, signature));
}
