import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { JobQueue, type JobQueueStats } from '../jobs/job-queue.js';

/**
 * Each password hashed or checked takes 16 MiB (128·N·r bytes) and a thread of libuv's pool, which
 * file access shares. Logins from many addresses at once (people arriving at work, or a guessing
 * flood that the per-address throttle cannot see as one) would otherwise hold every thread and
 * 16 MiB each; two at a time bounds both, and a login waits a few tens of milliseconds at worst.
 */
const hashing = new JobQueue({ concurrency: 2 });

/** How many password hashes run and wait, and the most that ever ran at once. */
export const passwordHashingStats = (): JobQueueStats => hashing.stats;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return hashing.run('normal', () => new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)))));
}

/** A random secret of `bytes` bytes, base64url (32 bytes = 256 bits). */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 of a machine-generated secret (claim tokens, session tokens, device secrets). Those carry
 * ≥128 random bits, so a fast hash is safe and keeps a reconnect storm of thousands of boxes cheap;
 * human passwords use scrypt below.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, expectedHash: string | null | undefined): boolean {
  if (!expectedHash) return false;
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

/** scrypt hash of a person's password, self-describing: `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(key, expected);
}
