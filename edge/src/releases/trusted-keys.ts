import { mkdirSync } from 'node:fs';
import { applyKeyRotation, releaseKeySetSchema, type ReleaseKeySet, type ReleasePublicKey } from '@smart-commune/shared';
import { readJsonFile, writeJsonDurable } from '../supervisor/durable.js';
import type { EdgeHomeLayout } from '../supervisor/layout.js';

/** keys/release-keys.json: the release keys this box trusts (from provisioning, then signed rotations). */

export function loadTrustedKeys(layout: EdgeHomeLayout): ReleaseKeySet | null {
  return readJsonFile(layout.keysFile, releaseKeySetSchema);
}

export function trustedKeys(layout: EdgeHomeLayout): ReleasePublicKey[] {
  return loadTrustedKeys(layout)?.keys ?? [];
}

/** Stores the set given at provisioning unless the box already has one (a re-provisioning keeps rotated keys). */
export function storeInitialKeys(layout: EdgeHomeLayout, keys: ReleasePublicKey[]): ReleaseKeySet {
  const existing = loadTrustedKeys(layout);
  if (existing) return existing;
  const set = releaseKeySetSchema.parse({ format: 1, sequence: 0, keys });
  mkdirSync(layout.keys, { recursive: true });
  writeJsonDurable(layout.keysFile, set);
  return set;
}

/** Applies a signed key-rotation message (throws a ReleaseError when it is not acceptable). */
export function rotateTrustedKeys(layout: EdgeHomeLayout, message: unknown): ReleaseKeySet {
  const current = loadTrustedKeys(layout);
  if (!current) throw new Error(`no release keys at ${layout.keysFile}: a rotation needs the current keys to check its signature`);
  const next = applyKeyRotation(current, message);
  writeJsonDurable(layout.keysFile, next);
  return next;
}
