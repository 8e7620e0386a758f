import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Mount } from '../http/app.js';
import type { AppEnv } from '../http/env.js';
import { clientAddress, type TrustedProxies } from '../http/trusted-proxies.js';

/** The socket's peer, or null for requests that did not come over a socket (`app.request()` in tests). */
function socketPeer(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/**
 * The address the request came from: the one function every reader of it uses (the audit log, the
 * login throttle, the citizens' report limit). The socket's peer, or, when that peer is one of
 * SC_TRUSTED_PROXIES, the client its X-Forwarded-For names (trusted-proxies.ts). Without the
 * trustedProxies() mount (a test kit's own app) no header is ever believed.
 */
export function requestIp(c: Context): string | null {
  const trusted = (c as Context<AppEnv>).get('trustedProxies');
  const peer = socketPeer(c);
  return trusted ? clientAddress(peer, c.req.header('x-forwarded-for'), trusted) : peer;
}

/** Mounted first: hands every request the configured proxies, read by requestIp() only when an address is needed. */
export function trustedProxies(trusted: TrustedProxies): Mount {
  const app = new OpenAPIHono<AppEnv>();
  const setProxies: MiddlewareHandler<AppEnv> = async (c, next) => {
    c.set('trustedProxies', trusted);
    await next();
  };
  app.use('*', setProxies);
  return { prefix: '/', app };
}
