import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeIssues, releaseKeysFileSchema, type ReleasePublicKey } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { ConfigError, type CloudConfig } from '../config.js';

/**
 * The province's release public keys (SC_RELEASE_KEYS_FILE, default <SC_DATA_DIR>/keys/release-keys.json),
 * handed to each box when it is claimed so it can check release bundles with no further setup. The
 * file is one public key (`….pub.json` from scripts/release-keys), a list of them, or a box's key set.
 * No file: boxes get no keys (a technician gives them with `sc-edge-supervisor install --keys`).
 */
export function releaseKeysPath(config: CloudConfig): string {
  return config.SC_RELEASE_KEYS_FILE ?? join(config.SC_DATA_DIR, 'keys', 'release-keys.json');
}

function readKeys(path: string): ReleasePublicKey[] {
  if (!existsSync(path)) return [];
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

/**
 * Checked at start (a bad file stops the cloud, naming the variable), then read again at each claim,
 * so keys put in place later are handed out without a restart; a file damaged later keeps the last good keys.
 */
export function releaseKeysSource(config: CloudConfig, logger: Logger): () => ReleasePublicKey[] {
  const path = releaseKeysPath(config);
  let lastGood = readKeys(path);
  return () => {
    try {
      lastGood = readKeys(path);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'release keys file unreadable: handing out the last good keys');
    }
    return lastGood;
  };
}
