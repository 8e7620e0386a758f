import { OpenAPIHono, z } from '@hono/zod-openapi';
import { CONTENT_SHA256_HEADER, INCIDENT_MAX_PARTS, incidentMediaKinds, type IncidentMediaKind, type IncidentMediaRef } from '@smart-commune/shared';
import type { Context } from 'hono';
import { requestIp } from '../audit/request-ip.js';
import type { Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { unauthorized } from '../http/errors.js';
import { routeBodyLimit } from '../http/body-limit.js';
import { apiRoute, jsonContent } from '../http/route.js';
import { incidentIdParam } from './http-schemas.js';
import type { MediaIntake } from './media-intake.js';

const uploadParams = incidentIdParam.extend({
  kind: z.enum(['snapshot', 'clip']).openapi({ param: { name: 'kind', in: 'path' } }),
});

const objectParams = incidentIdParam.extend({
  trackId: z.coerce.number().int().min(0).max(2 ** 31).openapi({ param: { name: 'trackId', in: 'path' } }),
});
const partParams = incidentIdParam.extend({
  index: z.coerce.number().int().min(0).max(INCIDENT_MAX_PARTS - 1).openapi({ param: { name: 'index', in: 'path' } }),
});

const uploadResultSchema = z
  .object({
    incidentId: z.string(),
    kind: z.enum(['snapshot', 'clip']),
    sha256: z.string(),
    bytes: z.number(),
    outcome: z.enum(['stored', 'already_received']),
  })
  .openapi('IncidentMediaReceipt');

/**
 * Edges upload incident files here (`incidentMediaPath` in the shared contract). The body may be as
 * large as the larger kind's cap (maxBytes) once the box's credentials are checked; the intake applies each kind's own.
 */
export function createIncidentDeviceRoutes({ guard, intake, maxBytes }: { guard: Guard; intake: MediaIntake; maxBytes: number }) {
  const app = new OpenAPIHono<AppEnv>();
  const receive = async (c: Context<AppEnv>, id: string, kind: IncidentMediaKind, ref?: IncidentMediaRef) => {
    const edgeId = c.get('edgeId');
    if (!edgeId) throw unauthorized('device credentials required');
    const length = c.req.header('content-length');
    const result = await intake.receive({
      edgeId,
      incidentId: id,
      kind,
      ref,
      claimedSha256: c.req.header(CONTENT_SHA256_HEADER),
      contentType: c.req.header('content-type'),
      contentLength: length === undefined ? undefined : Number(length),
      body: c.req.raw.body,
      ip: requestIp(c),
    });
    return c.json({ incidentId: id, kind, sha256: result.sha256, bytes: result.bytes, outcome: result.outcome }, result.outcome === 'stored' ? 201 : 200);
  };
  const headers = z.object({ [CONTENT_SHA256_HEADER]: z.string().openapi({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }) });
  const body = (types: string[]) => ({ required: true, content: Object.fromEntries(types.map((type) => [type, { schema: z.string().openapi({ format: 'binary' }) }])) });
  const responses = {
    200: jsonContent(uploadResultSchema, 'Already received earlier; nothing rewritten'),
    201: jsonContent(uploadResultSchema, 'Verified and stored'),
    409: jsonContent(z.object({}), 'The incident\'s metadata (or this file\'s hash in it) has not arrived yet; retry later'),
    413: jsonContent(z.object({}), 'Larger than the size cap of this kind'),
    415: jsonContent(z.object({}), 'Not a JPEG / MP4'),
    422: jsonContent(z.object({}), 'The sha256 or size does not match the incident\'s metadata'),
    507: jsonContent(z.object({}), 'No room: the incident media budget holds only items that may not be deleted automatically (storage_full), or the disk is full (disk_full); the edge keeps its file and retries later'),
  };
  const limit = routeBodyLimit({ maxBytes });

  app.openapi(
    apiRoute(guard, 'device', {
      method: 'put',
      path: '/device/incidents/{id}/{kind}',
      tags: ['Incidents'],
      summary: 'Upload an incident\'s snapshot or clip; kept only if its sha256 matches the incident\'s metadata',
      description: [
        `Send the raw file as the body with the ${CONTENT_SHA256_HEADER} header (lower-case hex sha256 computed when the file was written).`,
        'The incident must be one of this edge\'s; until its metadata (events/incident) has arrived the answer is 409 and the edge retries later.',
        'A hash or size mismatch is 422, a body that is not a JPEG (snapshot) or MP4 (clip) 415, too large 413; all are logged, counted and audited.',
        'Uploading the same file again answers 200 without storing anything.',
        'When there is no room (the byte budget cannot free enough, or the disk is full) the answer is 507 and the edge retries later.',
      ].join(' '),
      request: { params: uploadParams, headers, body: body(Object.values(incidentMediaKinds)) },
      responses,
    }, limit),
    (c) => {
      const { id, kind } = c.req.valid('param');
      return receive(c, id, kind);
    },
  );

  app.openapi(
    apiRoute(guard, 'device', {
      method: 'put',
      path: '/device/incidents/{id}/objects/{trackId}/snapshot',
      tags: ['Incidents'],
      summary: 'Upload the best picture of one object of a review item (its `objects[].snapshot`); same checks as the item\'s snapshot',
      request: { params: objectParams, headers, body: body([incidentMediaKinds.snapshot]) },
      responses,
    }, limit),
    (c) => {
      const { id, trackId } = c.req.valid('param');
      return receive(c, id, 'snapshot', { trackId });
    },
  );

  app.openapi(
    apiRoute(guard, 'device', {
      method: 'put',
      path: '/device/incidents/{id}/parts/{index}/clip',
      tags: ['Incidents'],
      summary: 'Upload one part of a review item\'s clip (its `clipParts[]`), sent while the item lasts; same checks as the item\'s clip',
      request: { params: partParams, headers, body: body([incidentMediaKinds.clip]) },
      responses,
    }, limit),
    (c) => {
      const { id, index } = c.req.valid('param');
      return receive(c, id, 'clip', { part: index });
    },
  );
  return app;
}
