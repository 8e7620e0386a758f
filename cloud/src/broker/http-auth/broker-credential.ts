import { createHash, timingSafeEqual } from 'node:crypto';

/** How the guard recognises the external broker (http/access.ts, access 'broker'). */
export interface BrokerCredential {
  /** True when the Authorization header carries SC_BROKER_AUTH_TOKEN. */
  matches(authorization: string | undefined): boolean;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The token a header carries: a bearer token (EMQX's `headers`), or the password of HTTP Basic (go-auth's `user:token@host`). */
function presented(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+(\S+)$/i.exec(authorization);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/**
 * SC_BROKER_AUTH_TOKEN, compared in constant time: both sides are hashed first so neither the
 * comparison nor a length check tells a guesser how close it came.
 */
export function brokerCredential(token: string): BrokerCredential {
  const expected = digest(token);
  return {
    matches(authorization) {
      const given = presented(authorization);
      return given !== null && timingSafeEqual(digest(given), expected);
    },
  };
}
