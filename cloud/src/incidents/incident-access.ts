import type { RouteConfig } from '@hono/zod-openapi';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import type { Guard, OnRefused } from '../http/access.js';
import { apiRoute } from '../http/route.js';

/** Writes a refused person to the audit log: who tried to open which incident's clip is itself evidence. */
const auditRefusal =
  (audit: AuditLog, refusedAction: string): OnRefused =>
  async (c, user) => {
    const id = c.req.param('id');
    await audit.record({
      actor: actorOf(user),
      action: refusedAction,
      target: id ? `incident:${id}` : null,
      details: { method: c.req.method, path: c.req.path, role: user.role },
      ip: requestIp(c),
    });
  };

/** A documented incident route ('incidents.review') whose refusals are audited as `refusedAction`. */
export function incidentRoute<P extends string, R extends Omit<RouteConfig, 'path' | 'middleware'> & { path: P }>(
  guard: Guard,
  audit: AuditLog,
  refusedAction: 'incident.access_refused' | 'incident.media_refused',
  route: R,
) {
  return { ...apiRoute(guard, 'incidents.review', route), middleware: guard('incidents.review', auditRefusal(audit, refusedAction)) };
}
