import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The address the request came from, as the socket saw it (a forwarded-for header is not trusted:
 * anyone can write one). Null for requests that did not come over a socket (`app.request()` in tests).
 */
export function requestIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
