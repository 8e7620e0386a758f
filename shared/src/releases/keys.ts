import { z } from 'zod';
import { describeIssues } from '../messages/issues.js';
import { ReleaseError } from './errors.js';
import { parseSignature, releasePublicKeySchema, releaseSignatureSchema, signBytes, verifySignedBytes, type ReleasePublicKey } from './signing.js';
import type { KeyObject } from 'node:crypto';

/**
 * The set of release keys a box trusts, and how it changes: a key-rotation message lists the new set
 * with a higher sequence number and is signed by a key of the current set. A box applies it only if
 * the signature checks and the sequence is higher than its own (an old message replayed does nothing).
 */

export const releaseKeySetSchema = z.object({
  format: z.literal(1),
  /** 0 for the set given at provisioning; each rotation raises it. */
  sequence: z.number().int().min(0),
  keys: z.array(releasePublicKeySchema).min(1).max(8),
});
export type ReleaseKeySet = z.infer<typeof releaseKeySetSchema>;

export const keyRotationPayloadSchema = z.object({
  type: z.literal('sc-release-keys'),
  sequence: z.number().int().min(1),
  issuedAt: z.string().datetime(),
  keys: z.array(releasePublicKeySchema).min(1).max(8),
});
export type KeyRotationPayload = z.infer<typeof keyRotationPayloadSchema>;

/** The signed message: the payload's exact JSON text and a signature over its UTF-8 bytes. */
export const keyRotationMessageSchema = z.object({ payload: z.string().max(16_384), signature: releaseSignatureSchema });
export type KeyRotationMessage = z.infer<typeof keyRotationMessageSchema>;

export function signKeyRotation(payload: KeyRotationPayload, privateKey: KeyObject): KeyRotationMessage {
  const text = JSON.stringify(keyRotationPayloadSchema.parse(payload));
  return { payload: text, signature: signBytes(Buffer.from(text, 'utf8'), privateKey) };
}

/**
 * The key set a rotation message leads to from `current`, or a ReleaseError: not signed by a key of
 * `current`, not a rotation, or not newer (`stale_keys`).
 */
export function applyKeyRotation(current: ReleaseKeySet, message: unknown): ReleaseKeySet {
  const envelope = keyRotationMessageSchema.safeParse(message);
  if (!envelope.success) throw new ReleaseError('bad_manifest', `not a key-rotation message: ${describeIssues(envelope.error)}`);
  const signature = parseSignature(Buffer.from(JSON.stringify(envelope.data.signature)), 'the key-rotation signature');
  verifySignedBytes(Buffer.from(envelope.data.payload, 'utf8'), signature, current.keys, 'the key-rotation message');
  let raw: unknown;
  try {
    raw = JSON.parse(envelope.data.payload);
  } catch {
    throw new ReleaseError('bad_manifest', 'the key-rotation payload is not JSON');
  }
  const payload = keyRotationPayloadSchema.safeParse(raw);
  if (!payload.success) throw new ReleaseError('bad_manifest', `the key-rotation payload: ${describeIssues(payload.error)}`);
  if (payload.data.sequence <= current.sequence) {
    throw new ReleaseError('stale_keys', `the key-rotation message has sequence ${payload.data.sequence}, not above the box's ${current.sequence}`);
  }
  return { format: 1, sequence: payload.data.sequence, keys: payload.data.keys };
}

export type { ReleasePublicKey };

/** A keys file as people hand it around: one public key (`….pub.json`), a list of them, or a key set. */
export const releaseKeysFileSchema = z.union([
  releaseKeySetSchema.transform((s) => s.keys),
  releasePublicKeySchema.transform((k) => [k]),
  z.array(releasePublicKeySchema).min(1).max(8),
]);
