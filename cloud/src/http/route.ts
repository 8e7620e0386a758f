import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { rolesFor, type Access } from '../users/permissions.js';
import type { Guard } from './access.js';
import { apiErrorSchema } from '@smart-commune/shared';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: apiErrorSchema } },
});

function describeAccess(access: Access): string {
  if (access === 'public') return 'Access: public.';
  if (access === 'device') return 'Access: an edge box with its own credentials (HTTP Basic, edge id and secret).';
  if (access === 'broker') return 'Access: the external MQTT broker, with SC_BROKER_AUTH_TOKEN as a bearer token or as the password of HTTP Basic.';
  return `Access: ${rolesFor(access).join(', ')}.`;
}

function securityOf(access: Access): Array<Record<string, string[]>> {
  if (access === 'public') return [];
  if (access === 'broker') return [{ brokerToken: [] }, { brokerBasic: [] }];
  return access === 'device' ? [{ deviceBasic: [] }] : [{ bearer: [] }];
}

/**
 * A documented route whose access is enforced by the guard: the roles that may do its action
 * (users/permissions.ts) appear in the OpenAPI description, the action itself as `x-action`, and
 * the standard error responses are declared once here. A route's own middleware
 * (a body limit, say) is passed as `after` and runs once the guard has let the request in; a
 * `middleware` in the route itself would be replaced by the guard, so the type refuses it.
 */
export function apiRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'middleware'> & { path: P; middleware?: never }>(
  guard: Guard,
  access: Access,
  route: R,
  ...after: MiddlewareHandler[]
) {
  return createRoute({
    ...route,
    middleware: after.length ? [guard(access), ...after] : guard(access),
    security: securityOf(access),
    ...(access === 'public' || access === 'device' || access === 'broker' ? {} : { 'x-action': access }),
    description: [route.description, describeAccess(access)].filter(Boolean).join('\n\n'),
    responses: {
      400: errorResponse('The request is malformed; details name each wrong field.'),
      ...(access === 'public' ? {} : { 401: errorResponse('Missing or invalid credentials.'), 403: errorResponse('Your role may not do this.') }),
      ...(route.method === 'get' ? {} : { 413: errorResponse('The body is larger than this route takes: 64 KiB unless it says otherwise (body-limit.ts).') }),
      ...route.responses,
    },
  });
}

export const jsonContent = <S>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <S>(schema: S) => ({ content: { 'application/json': { schema } }, required: true });
