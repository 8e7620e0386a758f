import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import type { ClaimUrls, FleetService } from './fleet-service.js';
import { claimRequestInput, claimResponseOutput } from './http-schemas.js';

export interface ProvisionRoutesDeps {
  guard: Guard;
  fleet: FleetService;
  claimUrls(requestUrl: string): ClaimUrls;
}

const deviceIdentitySchema = z.object({ edgeId: z.string() }).openapi('DeviceIdentity');

/** The route a box calls before it has credentials, and the check of those credentials. */
export function createProvisionRoutes(deps: ProvisionRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    apiRoute(deps.guard, 'public', {
      method: 'post',
      path: '/provision/claim',
      tags: ['Fleet'],
      summary: 'A box exchanges its one-time claim token for its edge id and own credentials',
      request: { body: jsonBody(claimRequestInput) },
      responses: {
        200: jsonContent(claimResponseOutput, 'The box identity and credentials; store the password 0600'),
        401: jsonContent(claimResponseOutput.pick({}), 'Unknown token'),
        410: jsonContent(claimResponseOutput.pick({}), 'Token already used or expired'),
      },
    }),
    async (c) => c.json(await deps.fleet.claim(c.req.valid('json'), deps.claimUrls(c.req.url)), 200),
  );
  app.openapi(
    apiRoute(deps.guard, 'device', {
      method: 'get',
      path: '/provision/me',
      tags: ['Fleet'],
      summary: 'A box checks that its credentials are valid (used by `sc-edge doctor`)',
      responses: { 200: jsonContent(deviceIdentitySchema, 'The credentials are valid for this edge') },
    }),
    (c) => c.json({ edgeId: c.get('edgeId') ?? '' }, 200),
  );
  return app;
}
