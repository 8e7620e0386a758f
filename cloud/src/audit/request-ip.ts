import type { HttpBindings } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Mount } from '../http/app.js';
import type { AppEnv } from '../http/env.js';
import { proxiedSource } from '../http/proxy-protocol.js';
import { clientAddress, type TrustedProxies } from '../http/trusted-proxies.js';

/** The socket's peer, or null for requests that did not come over a socket (`app.request()` in tests). */
function socketPeer(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/** The client a PROXY header named for this request's connection (SC_PROXY_PROTOCOL), or null. */
function proxiedClient(c: Context): string | null {
  return proxiedSource((c.env as Partial<HttpBindings> | undefined)?.incoming?.socket);
}

/**
 * The address the request came from: the one function every reader of it uses (the audit log, the
 * login throttle, the citizens' report limit). The source a trusted proxy's PROXY header gave for
 * the connection (proxy-protocol.ts), whatever X-Forwarded-For says: that header only ever came
 * from a proxy, while an HTTP header on such a connection may be the client's own. Otherwise the
 * socket's peer, or, when that peer is one of SC_TRUSTED_PROXIES, the client its X-Forwarded-For
 * names (trusted-proxies.ts). Without the trustedProxies() mount (a test kit's own app) no header is
 * ever believed.
 */
export function requestIp(c: Context): string | null {
  const proxied = proxiedClient(c);
  if (proxied !== null) return proxied;
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
