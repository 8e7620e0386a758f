import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';
import { randomSecret } from './auth/secrets.js';
import { ConfigError } from './config.js';
import { PRIVATE_DIR, PRIVATE_FILE } from './private-files.js';
import { passwordWeakness, weaknessMessages } from './users/password-policy.js';
import type { UserStore } from './users/user-store.js';

/** A secret kept in the data dir, 0600: read if present, else generated and written. */
export function persistentSecret(dataDir: string, file: string): string {
  const path = join(dataDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR });
  const secret = randomSecret(18);
  writeFileSync(path, `${secret}\n`, { mode: PRIVATE_FILE });
  chmodSync(path, PRIVATE_FILE);
  return secret;
}

export interface AdminLogin {
  username: string;
  /** Set when this start created the admin; null when the admin already existed. */
  password: string | null;
  passwordFile: string | null;
}

/**
 * The first admin: SC_ADMIN_PASSWORD (refused if common or trivially weak), or a generated password
 * stored in the data dir and printed once. Unlike an account an admin creates, this one is not
 * forced to change its password: the operator chose it or holds the generated one (random, 0600),
 * nobody else set it, and the demo and scripts log in with it through the API.
 */
export async function ensureFirstAdmin(
  users: UserStore,
  dataDir: string,
  username: string,
  password: string | undefined,
  logger: Logger,
  /** Several processes may share the database (SC_DATABASE_URL): a password generated into one process's data dir is refused. */
  shared = false,
): Promise<AdminLogin> {
  if ((await users.count()) > 0) return { username, password: null, passwordFile: null };
  if (shared && password === undefined) {
    throw new ConfigError(
      'invalid cloud configuration: SC_ADMIN_PASSWORD is not set and the database has no user yet: with SC_DATABASE_URL the first admin\'s password must come from configuration (a password generated into one process\'s data dir would be known to that machine only)',
    );
  }
  const weakness = password === undefined ? null : passwordWeakness(password, username);
  if (weakness) throw new Error(`SC_ADMIN_PASSWORD is too easy to guess: ${weaknessMessages[weakness].en}`);
  const file = 'admin-password.txt';
  const chosen = password ?? persistentSecret(dataDir, file);
  try {
    await users.create({ username, displayName: 'Quản trị viên', role: 'admin', password: chosen });
  } catch (err) {
    // two processes starting together on an empty shared database: the other one created it (same password, from configuration)
    if (shared && (await users.count()) > 0) return { username, password: null, passwordFile: null };
    throw err;
  }
  const passwordFile = password ? null : join(dataDir, file);
  logger.info({ username, passwordFile }, 'first admin created');
  return { username, password: chosen, passwordFile };
}
