import { OpenAPIHono } from '@hono/zod-openapi';
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

/** The one route a box calls before it has credentials. */
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
  return app;
}
