import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * HTTP Digest authentication (RFC 7616 with MD5 and qop=auth, RFC 2069 without qop), as IP cameras
 * use for snapshots and as an alternative to WS-Security for ONVIF. Nonces are stateless: a
 * timestamp signed with a per-camera secret, valid for NONCE_TTL_MS; an expired one gets `stale=true`.
 */
export const NONCE_TTL_MS = 5 * 60_000;

export type DigestResult = 'ok' | 'absent' | 'stale' | 'invalid';

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

/** Splits `key=value, key="quoted, value"` lists. */
export function parseAuthParams(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of s.matchAll(re)) out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  return out;
}

export class DigestAuth {
  private readonly secret = randomBytes(32);
  private readonly opaque = randomBytes(8).toString('hex');

  constructor(readonly realm: string) {}

  private sign(ts: string): string {
    return createHmac('sha256', this.secret).update(ts).digest('hex').slice(0, 32);
  }

  nonce(nowMs = Date.now()): string {
    const ts = nowMs.toString(16);
    return `${ts}${this.sign(ts)}`;
  }

  /** The WWW-Authenticate header value. */
  challenge(stale = false): string {
    return `Digest realm="${this.realm}", qop="auth", nonce="${this.nonce()}", opaque="${this.opaque}", algorithm=MD5${stale ? ', stale=true' : ''}`;
  }

  /** Verifies an Authorization header for the request's method and target (the URI as sent). */
  verify(authorization: string | undefined, method: string, target: string, passwordOf: (username: string) => string | undefined): DigestResult {
    if (!authorization) return 'absent';
    if (!/^Digest\s/i.test(authorization)) return 'invalid';
    const p = parseAuthParams(authorization.slice(7));
    const { username, realm, nonce, uri, response } = p;
    if (!username || !nonce || !uri || !response || realm !== this.realm) return 'invalid';
    if (p.algorithm && p.algorithm.toUpperCase() !== 'MD5') return 'invalid';
    if (uri !== target) return 'invalid';
    const ts = nonce.slice(0, -32);
    const sig = Buffer.from(nonce.slice(-32));
    const good = Buffer.from(this.sign(ts));
    if (sig.length !== good.length || !timingSafeEqual(sig, good)) return 'invalid';
    const password = passwordOf(username);
    if (password === undefined) return 'invalid';
    const ha1 = md5(`${username}:${this.realm}:${password}`);
    const ha2 = md5(`${method}:${uri}`);
    const expected =
      p.qop === undefined ? md5(`${ha1}:${nonce}:${ha2}`) : p.qop === 'auth' ? md5(`${ha1}:${nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:auth:${ha2}`) : null;
    if (!expected) return 'invalid';
    const a = Buffer.from(expected);
    const b = Buffer.from(response.toLowerCase());
    if (a.length !== b.length || !timingSafeEqual(a, b)) return 'invalid';
    if (Date.now() - parseInt(ts, 16) > NONCE_TTL_MS) return 'stale';
    return 'ok';
  }
}
