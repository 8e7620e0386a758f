import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CloudConfig } from '../config.js';
import { makePrivateDir, PRIVATE_FILE } from '../private-files.js';
import { newSecretKeyBase64, SecretBox, secretKeyFromBase64, type SecretKey } from './secret-box.js';

export type SecretKeyConfig = Pick<CloudConfig, 'SC_DATA_DIR' | 'SC_SECRET_KEY' | 'SC_SECRET_KEY_FILE' | 'SC_SECRET_KEY_PREVIOUS'>;

/** Where the key file is: SC_SECRET_KEY_FILE, else `keys/secret.key` in the data dir (beside the database, not in it). */
export const secretKeyFile = (config: SecretKeyConfig) => config.SC_SECRET_KEY_FILE ?? join(config.SC_DATA_DIR, 'keys', 'secret.key');

/**
 * The key that encrypts secrets at rest: SC_SECRET_KEY, or the key file, generated (0600, its
 * directory 0700) when missing; and the previous keys of SC_SECRET_KEY_PREVIOUS, which only decrypt.
 */
export function loadSecretBox(config: SecretKeyConfig): SecretBox {
  const current = config.SC_SECRET_KEY ? secretKeyFromBase64(config.SC_SECRET_KEY, 'SC_SECRET_KEY') : keyFromFile(secretKeyFile(config));
  const previous = (config.SC_SECRET_KEY_PREVIOUS ?? '')
    .split(',')
    .filter((text) => text.trim())
    .map((text, i) => secretKeyFromBase64(text, `SC_SECRET_KEY_PREVIOUS (key ${i + 1})`));
  return new SecretBox(current, previous);
}

function keyFromFile(file: string): SecretKey {
  if (!existsSync(file)) {
    makePrivateDir(dirname(file));
    // 'wx': never replaces a key file that appeared meanwhile (that would lose what its key sealed)
    writeFileSync(file, `${newSecretKeyBase64()}\n`, { mode: PRIVATE_FILE, flag: 'wx' });
  } else if ((statSync(file).mode & 0o077) !== 0) {
    try {
      chmodSync(file, PRIVATE_FILE);
    } catch {
      // a key the service may not change (a read-only mount, another owner) is the operator's to protect
    }
  }
  return secretKeyFromBase64(readFileSync(file, 'utf8'), `the key file ${file}`);
}
