/**
 * The secrets several cloud processes on one PostgreSQL must share (cloud/src/cluster/shared-secrets.ts),
 * made once per test directory: a key file there, the other values kept for the directory so a cloud
 * started again on it (or a second process on the same database) gets the same ones.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';

export interface SharedSecrets {
  SC_SERVICE_PASSWORD: string;
  SC_SECRET_KEY: string;
  SC_EXPORT_SIGNING_KEY_FILE: string;
  SC_VAPID_PUBLIC_KEY: string;
  SC_VAPID_PRIVATE_KEY: string;
}

const made = new Map<string, SharedSecrets>();

/** The shared secrets for clouds whose files live in `dir` (the same each call for one dir). */
export function sharedSecretsIn(dir: string): SharedSecrets {
  const known = made.get(dir);
  if (known) return known;
  const keyFile = join(dir, 'shared-keys', 'export-signing.pem');
  if (!existsSync(keyFile)) {
    mkdirSync(join(dir, 'shared-keys'), { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const vapid = webpush.generateVAPIDKeys();
  const secrets: SharedSecrets = {
    SC_SERVICE_PASSWORD: randomBytes(18).toString('base64url'),
    SC_SECRET_KEY: randomBytes(32).toString('base64'),
    SC_EXPORT_SIGNING_KEY_FILE: keyFile,
    SC_VAPID_PUBLIC_KEY: vapid.publicKey,
    SC_VAPID_PRIVATE_KEY: vapid.privateKey,
  };
  made.set(dir, secrets);
  return secrets;
}

/** As environment variables for a child `sc-cloud`. */
export const sharedSecretsEnv = (dir: string): Record<string, string> => ({ ...sharedSecretsIn(dir) });
