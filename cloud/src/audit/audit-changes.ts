import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../http/env.js';
import type { Mount } from '../http/app.js';
import { actorOf, type AuditLog } from './audit-log.js';
import { requestIp } from './request-ip.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every change a person makes through the API (a successful POST, PUT, PATCH or DELETE, whichever
 * domain) is written to the audit log as `api.change` with the route and status; domains add their
 * own, more specific entries (a clip viewed, an export) beside it. Mount before the domains.
 */
export function auditChanges(audit: AuditLog): Mount {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/api/*', async (c, next) => {
    await next();
    const user = c.get('user');
    if (READS.has(c.req.method) || !user || c.res.status >= 400) return;
    await audit.record({
      actor: actorOf(user),
      action: 'api.change',
      target: c.req.path,
      details: { method: c.req.method, route: c.req.routePath, status: c.res.status },
      ip: requestIp(c),
    });
  });
  return { prefix: '/', app };
}
