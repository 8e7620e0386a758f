import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../http/access.js';
import { currentUser } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import type { EdgeStore } from './edge-store.js';
import type { FleetService } from './fleet-service.js';
import type { Documents, DocumentState } from './documents.js';
import type { EdgeContracts } from './edge-contracts.js';
import { compatibilityView } from './compatibility-view.js';
import { boxFilterOf, boxInScope } from './box-scope.js';
import type { IssuedClaimToken } from './claim-tokens.js';
import {
  claimTokenRequestSchema,
  claimTokenSchema,
  compatibilitySchema,
  configBodyInput,
  configStateSchema,
  edgeIdParam,
  edgeListQuery,
  edgePatchSchema,
  edgeSchema,
  newEdgeSchema,
  pingSchema,
  rotationSchema,
  testToneRequestSchema,
  testToneResultSchema,
} from './http-schemas.js';
import { badRequest, notFound } from '../http/errors.js';

/** The config document as shown: cameras (with their passwords) are the cameras API's to show. */
function configView({ version, issuedAt, body, withheld, reported }: DocumentState<'config'>) {
  const { surveillance: _cameras, ...shown } = body;
  return { version, issuedAt, body: shown, withheld, reported };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('Malformed JSON in request body');
  }
}

export interface EdgesRoutesDeps {
  guard: Guard;
  edges: EdgeStore;
  fleet: FleetService;
  documents: Documents;
  contracts: EdgeContracts;
  /** The cloud URL a technician passes to `sc-edge provision`. */
  publicUrl(requestUrl: string): string;
}

const tags = ['Fleet'];

/** Edge boxes: records, claim tokens, revocation, rotation, ping and the config document. */
export function createEdgesRoutes(deps: EdgesRoutesDeps) {
  const { guard, edges, fleet, documents } = deps;
  const app = new OpenAPIHono<AppEnv>();
  // every route with a box's {id}: another commune's box is a 404 before anything is done to it
  const inScope = boxInScope(edges);

  const withCommand = (token: IssuedClaimToken, requestUrl: string) => ({
    ...token,
    command: `sc-edge provision --cloud ${deps.publicUrl(requestUrl)} --token ${token.token}`,
  });

  app.openapi(
    apiRoute(guard, 'fleet.edges.read', {
      method: 'get',
      path: '/edges',
      tags,
      summary: 'List edge boxes with hamlet, online state, last seen and last telemetry',
      request: { query: edgeListQuery },
      responses: { 200: jsonContent(z.object({ edges: z.array(edgeSchema) }), 'The boxes, in hamlet order') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ edges: await edges.list({ hamletCode: q.hamlet, status: q.status, online: q.online, ...boxFilterOf(currentUser(c)) }) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'post',
      path: '/edges',
      tags,
      summary: 'Create an edge box record for a hamlet',
      request: { body: jsonBody(newEdgeSchema) },
      responses: { 201: jsonContent(edgeSchema, 'The new box, unclaimed') },
    }),
    async (c) => c.json(await edges.create(c.req.valid('json'), currentUser(c)), 201),
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.read', {
      method: 'get',
      path: '/edges/{id}',
      tags,
      summary: 'One edge box',
      request: { params: edgeIdParam },
      responses: { 200: jsonContent(edgeSchema, 'The box'), 404: jsonContent(z.object({}), 'No such box') },
    }, inScope),
    async (c) => c.json(await edges.get(c.req.valid('param').id), 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.read', {
      method: 'get',
      path: '/edges/{id}/compatibility',
      tags,
      summary: "The box's contract revision against the cloud's: features it lacks, what each document left out for it and what it ignored",
      request: { params: edgeIdParam },
      responses: { 200: jsonContent(compatibilitySchema, 'Contracts and, per document, the parts withheld by the cloud and ignored by the box') },
    }, inScope),
    async (c) => {
      const edge = await edges.get(c.req.valid('param').id);
      return c.json(compatibilityView(edge, await deps.contracts.of(edge.id), await documents.listForEdge(edge.id)), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'patch',
      path: '/edges/{id}',
      tags,
      summary: 'Change name, hamlet, position or notes',
      request: { params: edgeIdParam, body: jsonBody(edgePatchSchema) },
      responses: { 200: jsonContent(edgeSchema, 'The changed box') },
    }, inScope),
    async (c) => c.json(await edges.update(c.req.valid('param').id, c.req.valid('json'), currentUser(c)), 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'delete',
      path: '/edges/{id}',
      tags,
      summary: 'Delete a box (its credentials stop working at once)',
      request: { params: edgeIdParam },
      responses: { 204: { description: 'Deleted' } },
    }, inScope),
    async (c) => {
      await fleet.delete(c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'post',
      path: '/edges/{id}/claim-tokens',
      tags,
      summary: 'Issue a one-time claim token (24 h by default) for provisioning the box',
      // the optional body ({"ttlHours": n}) is read by hand: an empty body with a JSON content type is common
      description: 'Optional JSON body: {"ttlHours": number} (default 24).',
      request: { params: edgeIdParam },
      responses: { 201: jsonContent(claimTokenSchema, 'The token, shown only this once') },
    }, inScope),
    async (c) => {
      const { id } = c.req.valid('param');
      const text = await c.req.text();
      const body = text.trim() ? claimTokenRequestSchema.parse(parseJson(text)) : {};
      const ttlMs = body.ttlHours ? body.ttlHours * 3600_000 : undefined;
      const token = await fleet.issueClaimToken(id, currentUser(c).id, ttlMs);
      return c.json(withCommand(token, c.req.url), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'post',
      path: '/edges/{id}/revoke',
      tags,
      summary: 'Revoke the box: disconnect it now and refuse its credentials',
      request: { params: edgeIdParam },
      responses: { 200: jsonContent(edgeSchema, 'The revoked box') },
    }, inScope),
    async (c) => c.json(await fleet.revoke(c.req.valid('param').id), 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'post',
      path: '/edges/{id}/rotate',
      tags,
      summary: 'Rotate the box credentials (live when online, by a new claim token when offline)',
      request: { params: edgeIdParam },
      responses: {
        200: jsonContent(rotationSchema, 'How the new credentials reach the box'),
        409: jsonContent(z.object({}), 'The box is not active'),
        504: jsonContent(z.object({}), 'The box did not confirm; old and new credentials both stay valid until it uses the new one'),
      },
    }, inScope),
    async (c) => {
      const result = await fleet.rotate(c.req.valid('param').id, currentUser(c).id);
      return c.json(result.mode === 'live' ? result : { mode: 'claim' as const, claimToken: withCommand(result.claimToken, c.req.url) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'post',
      path: '/edges/{id}/ping',
      tags,
      summary: 'Ask the box to answer over MQTT: round trip and its clock offset',
      request: { params: edgeIdParam },
      responses: { 200: jsonContent(pingSchema, 'The answer'), 504: jsonContent(z.object({}), 'No answer in time') },
    }, inScope),
    async (c) => c.json(await fleet.ping(c.req.valid('param').id), 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.speakers.test', {
      method: 'post',
      path: '/edges/{id}/test-tone',
      tags,
      summary: 'Play a test tone on the box\'s loudspeakers now (not over an emergency)',
      request: { params: edgeIdParam, body: jsonBody(testToneRequestSchema) },
      responses: {
        200: jsonContent(testToneResultSchema, 'When the tone started (cloud time) and on which zones'),
        502: jsonContent(z.object({}), 'The box refused (busy with an emergency, no speakers)'),
        504: jsonContent(z.object({}), 'No answer in time'),
      },
    }, inScope),
    async (c) => c.json(await fleet.testTone(c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'get',
      path: '/edges/{id}/config',
      tags,
      summary: 'The config document of the box (cameras excepted) and the version it reported applying',
      request: { params: edgeIdParam },
      responses: { 200: jsonContent(configStateSchema, 'Desired and reported config') },
    }, inScope),
    async (c) => {
      const { id } = c.req.valid('param');
      await edges.get(id);
      const state = await documents.get(id, 'config');
      if (!state) throw notFound(`config of edge ${id} (the box was never claimed)`);
      return c.json(configView(state), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.manage', {
      method: 'put',
      path: '/edges/{id}/config',
      tags,
      summary: 'Replace the config document (cameras excepted: see /edges/{id}/cameras); the box applies it without restarting',
      request: { params: edgeIdParam, body: jsonBody(configBodyInput) },
      responses: { 200: jsonContent(configStateSchema, 'The new desired version') },
    }, inScope),
    async (c) => {
      const body = c.req.valid('json');
      if (body.surveillance) throw badRequest(`surveillance: cameras are managed at /api/v1/edges/${c.req.valid('param').id}/cameras`);
      return c.json(configView(await fleet.setConfig(c.req.valid('param').id, body)), 200);
    },
  );

  return app;
}
