import { readFileSync } from 'node:fs';
import { describeIssues, releaseKeysFileSchema, type ReleasePublicKey } from '@smart-commune/shared';
import { ConfigError } from '../config.js';

/**
 * The province's release public keys (SC_RELEASE_KEYS_FILE), read once at start: handed to each box
 * when it is claimed, so it can check release bundles with no further setup. None configured: boxes
 * get none and refuse every bundle until a technician gives them keys (sc-edge-supervisor install --keys).
 */
export function loadReleaseKeys(path: string | undefined): ReleasePublicKey[] {
  if (!path) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`SC_RELEASE_KEYS_FILE: cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  const parsed = releaseKeysFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`SC_RELEASE_KEYS_FILE: ${path} holds no release public key: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
