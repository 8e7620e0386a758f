import { createHash, timingSafeEqual } from 'node:crypto';
import { PASSWORD_DIGEST, PASSWORD_TEXT, NS } from './soap.js';
import { child, type XmlElement } from './xml.js';

/**
 * WS-Security UsernameToken (ONVIF Core §5.12.2): PasswordDigest = Base64(SHA-1(nonce + created +
 * password)) with the nonce decoded from Base64, or the password itself with PasswordText.
 */
export type UsernameTokenResult =
  | { kind: 'absent' }
  | { kind: 'valid'; username: string }
  | { kind: 'invalid'; reason: string };

/**
 * How far a digest's Created may be from the camera's clock. Nonces are not remembered: libonvif
 * (onvif-util) sends the same nonce and Created for requests within one second, and the cameras it
 * works with accept that.
 */
export const CREATED_WINDOW_MS = 5 * 60_000;

export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')])).digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks the Security header of a request. `passwordOf` returns the user's password, or undefined for
 * an unknown user. `nowMs` is the camera's clock.
 */
export function verifyUsernameToken(
  header: XmlElement | undefined,
  passwordOf: (username: string) => string | undefined,
  nowMs: number,
): UsernameTokenResult {
  const security = child(header, 'Security', NS.wsse) ?? child(header, 'Security');
  if (!security) return { kind: 'absent' };
  const token = child(security, 'UsernameToken');
  if (!token) return { kind: 'invalid', reason: 'no UsernameToken in Security' };
  const username = child(token, 'Username')?.text.trim() ?? '';
  const passwordEl = child(token, 'Password');
  // clients without credentials (libonvif) send a token without a username: no credentials at all
  if (!username) return { kind: 'absent' };
  if (!passwordEl) return { kind: 'invalid', reason: 'Password missing' };
  const expected = passwordOf(username);
  if (expected === undefined) return { kind: 'invalid', reason: `unknown user ${username}` };
  const type = passwordEl.attrs.Type ?? PASSWORD_TEXT;
  const given = passwordEl.text.trim();

  if (type === PASSWORD_TEXT) {
    return sameText(given, expected) ? { kind: 'valid', username } : { kind: 'invalid', reason: 'wrong password' };
  }
  if (type !== PASSWORD_DIGEST) return { kind: 'invalid', reason: `unsupported password type ${type}` };
  const nonceText = child(token, 'Nonce')?.text.trim();
  const created = child(token, 'Created')?.text.trim();
  if (!nonceText || !created) return { kind: 'invalid', reason: 'PasswordDigest without Nonce or Created' };
  const createdMs = Date.parse(created);
  if (Number.isNaN(createdMs)) return { kind: 'invalid', reason: `unreadable Created ${created}` };
  if (Math.abs(nowMs - createdMs) > CREATED_WINDOW_MS) return { kind: 'invalid', reason: `Created ${created} is outside the replay window` };
  const nonce = Buffer.from(nonceText, 'base64');
  if (!sameText(given, passwordDigest(nonce, created, expected))) return { kind: 'invalid', reason: 'wrong password digest' };
  return { kind: 'valid', username };
}
