import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { ZodError, type z } from 'zod';
import type { Logger } from '@smart-commune/shared/runtime';
import { isDiskFull } from '../disk-full.js';

/** An error the API reports to its caller as `{"error":{"code","message","details"}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError(400, 'bad_request', message, details);
export const unauthorized = (message = 'authentication required') => new ApiError(401, 'unauthorized', message);
export const forbidden = (message = 'your role may not do this') => new ApiError(403, 'forbidden', message);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, details?: unknown) => new ApiError(409, 'conflict', message, details);
export const gone = (message: string) => new ApiError(410, 'gone', message);

export function errorJson(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  return c.json({ error: details === undefined ? { code, message } : { code, message, details } }, status);
}

/** Turns zod issues into the `details` list of a 400: where, and what was wrong. */
export function validationDetails(error: z.ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** A domain error that knows it is the caller's fault (e.g. a refused upload): a 4xx status and a code. */
function asClientError(err: Error): { status: ContentfulStatusCode; code: string } | null {
  const { status, code } = err as Error & { status?: unknown; code?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && typeof code === 'string' ? { status: status as ContentfulStatusCode, code } : null;
}

/** The app's onError: typed API errors as they are, anything unexpected as a logged 500. */
export function createErrorHandler(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) return errorJson(c, err.status, err.code, err.message, err.details);
    const client = asClientError(err);
    if (client) return errorJson(c, client.status, client.code, err.message);
    if (err instanceof ZodError) return errorJson(c, 400, 'validation_failed', 'the request does not match the expected form', validationDetails(err));
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      const code = status === 400 ? 'bad_request' : status === 413 ? 'payload_too_large' : 'http_error';
      return errorJson(c, status, code, err.message || 'request refused');
    }
    if (isDiskFull(err)) {
      // nothing of the request could be saved; the cloud keeps answering, and what needs no write still works
      logger.error({ err, method: c.req.method, path: c.req.path }, 'disk full: a request could not be saved');
      return errorJson(c, 507, 'disk_full', "the cloud's disk is full: nothing was saved; free space on the server and try again");
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error in HTTP route');
    return errorJson(c, 500, 'internal', 'internal server error');
  };
}

/**
 * An object on air in another cloud process (several processes behind a load balancer): this one
 * cannot serve it. 503 so a client (the box's stream, the console) retries, and a load balancer
 * configured to retry on 503 (HAProxy `retry-on 503` with `option redispatch`) tries another process.
 */
export const heldElsewhere = (what: string) =>
  new ApiError(503, 'held_elsewhere', `${what} is on air in another cloud process, not this one: try again (the load balancer sends the retry to another process)`);

