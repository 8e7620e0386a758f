import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Mount } from './app.js';
import type { AppEnv } from './env.js';
import { ApiError, errorJson } from './errors.js';

/** JSON bodies and forms of this API and console are a few KiB; an upload route declares more. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The 413 answer, in the caller's format (the API's JSON, a console page, a route's own). */
export type RefuseBody = (c: Context, maxBytes: number) => Response | Promise<Response>;

/** A route's own larger limit (an upload), with its own answer if it has one. */
export interface RouteBodyLimit {
  maxBytes: number;
  refuse?: RefuseBody;
}

/** One request's limit as it is read: the default until its route, past the guard, raises it. */
export interface BodyAllowance {
  maxBytes: number;
  refuse: RefuseBody;
  /** Set once the body ran past maxBytes: whatever the route answered is replaced by the 413. */
  exceeded: boolean;
}

const DECLARED = Symbol('routeBodyLimit');
type Declaring = MiddlewareHandler<AppEnv> & { [DECLARED]?: RouteBodyLimit };

/** 64 KiB, 10.1 MiB: how a limit is named in answers. */
export const formatBytes = (bytes: number) => (bytes < 1048576 ? `${Math.round(bytes / 1024)} KiB` : `${Number((bytes / 1048576).toFixed(1))} MiB`);

/** The API's 413 in the error format. */
export const payloadTooLarge: RefuseBody = (c, maxBytes) =>
  errorJson(c, 413, 'payload_too_large', `the request body is larger than ${formatBytes(maxBytes)}`, { maxBytes });

/** The error a body stream ends with past its limit (a route that reads it sees this, then the 413 replaces its answer). */
class BodyTooLarge extends ApiError {
  constructor(maxBytes: number) {
    super(413, 'payload_too_large', `the request body is larger than ${formatBytes(maxBytes)}`);
  }
}

/** The larger limit a route of this request declared, if any (found among the handlers its path and method matched). */
function declaredLimit(c: Context): RouteBodyLimit | undefined {
  return matchedRoutes(c)
    .map((route) => (route.handler as Declaring)[DECLARED])
    .find((limit) => limit !== undefined);
}

function declaredLength(c: Context): number | null {
  const header = c.req.header('content-length');
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : null;
}

/**
 * The body as the route reads it, counted as it streams: past the allowance it ends with an error
 * and the rest is never read (the server drains briefly, then closes the connection). The source
 * is not cancelled, as that would destroy the socket before the 413 is written.
 */
function counted(body: ReadableStream<Uint8Array>, allowance: BodyAllowance): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      received += value.byteLength;
      if (received <= allowance.maxBytes) return controller.enqueue(value);
      allowance.exceeded = true;
      reader.releaseLock();
      controller.error(new BodyTooLarge(allowance.maxBytes));
    },
    // nothing read ahead: a chunk is pulled when the route reads, after its guard may have raised the allowance
  }, { highWaterMark: 0 });
}

/** A 413 that closes the connection: the client may still be sending the body nobody will read. */
async function refusal(c: Context, refuse: RefuseBody, maxBytes: number): Promise<Response> {
  const res = await refuse(c, maxBytes);
  res.headers.set('connection', 'close');
  return res;
}

/**
 * The body limit of every request, mounted before anything that reads a body (sessions, CSRF,
 * routes): a Content-Length over the limit is answered 413 at once, unread; any other body is
 * counted as it streams and stops at the limit, so an unauthenticated client can make the cloud
 * hold no more than maxBytes. An upload route raises its own limit with routeBodyLimit() after its
 * guard; its declaration only lets a larger Content-Length reach that guard.
 */
export function bodyLimit(options: { maxBytes?: number; refuse?: RefuseBody } = {}): Mount {
  const { maxBytes = DEFAULT_MAX_BODY_BYTES, refuse = payloadTooLarge } = options;
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = declaredLimit(c);
    const length = declaredLength(c);
    const ceiling = Math.max(maxBytes, declared?.maxBytes ?? 0);
    if (length !== null && length > ceiling) return refusal(c, declared?.refuse ?? refuse, ceiling);
    const allowance: BodyAllowance = { maxBytes, refuse, exceeded: false };
    c.set('bodyAllowance', allowance);
    c.req.raw = new Request(c.req.raw, { body: counted(body, allowance), duplex: 'half' });
    await next();
    if (!allowance.exceeded) return;
    // replaced whole: Hono's setter would keep the route's headers (a redirect's Location, a cookie)
    c.res = undefined;
    c.res = await refusal(c, allowance.refuse, allowance.maxBytes);
  });
  return { prefix: '/', app };
}

/**
 * A route's larger limit, passed to apiRoute() after the guard (or placed after a page's access
 * check): only a request the guard let in may send that much. Requests the guard refuses are
 * answered without their body being read.
 */
export function routeBodyLimit(limit: RouteBodyLimit): MiddlewareHandler<AppEnv> {
  const raise: Declaring = async (c, next) => {
    const allowance = c.get('bodyAllowance');
    if (allowance) {
      allowance.maxBytes = limit.maxBytes;
      if (limit.refuse) allowance.refuse = limit.refuse;
    }
    await next();
  };
  raise[DECLARED] = limit;
  return raise;
}
