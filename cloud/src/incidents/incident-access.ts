import type { MiddlewareHandler } from 'hono';
import type { RouteConfig } from '@hono/zod-openapi';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { forbidden } from '../http/errors.js';
import { apiRoute } from '../http/route.js';
import { roles } from '../users/roles.js';
import { INCIDENT_ROLES } from './incident-review.js';

/**
 * Lets police and admin through; anyone else who is logged in gets a 403 that is also written to
 * the audit log (who tried to open which incident's clip is itself evidence).
 */
function auditedIncidentAccess(guard: Guard, audit: AuditLog, refusedAction: string): MiddlewareHandler<AppEnv> {
  const signedIn = guard({ roles });
  return (c, next) =>
    signedIn(c, async () => {
      const user = currentUser(c);
      if (!INCIDENT_ROLES.includes(user.role)) {
        const id = c.req.param('id');
        audit.record({
          actor: actorOf(user),
          action: refusedAction,
          target: id ? `incident:${id}` : null,
          details: { method: c.req.method, path: c.req.path, role: user.role },
          ip: requestIp(c),
        });
        throw forbidden(`role "${user.role}" may not see incidents (allowed: ${INCIDENT_ROLES.join(', ')})`);
      }
      await next();
    });
}

/** A documented incident route for police and admin whose refusals are audited as `refusedAction`. */
export function incidentRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'middleware'> & { path: P }>(
  guard: Guard,
  audit: AuditLog,
  refusedAction: 'incident.access_refused' | 'incident.media_refused',
  route: R,
) {
  return { ...apiRoute(guard, { roles: INCIDENT_ROLES }, route), middleware: auditedIncidentAccess(guard, audit, refusedAction) };
}
