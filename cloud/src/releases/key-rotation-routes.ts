import { OpenAPIHono, z } from '@hono/zod-openapi';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import type { KeyRotations } from './key-rotations.js';

const tags = ['Releases'];

const rotationInput = z
  .object({
    // shared's keyRotationMessageSchema, written with the OpenAPI zod so it is documented
    message: z
      .object({
        payload: z.string().min(1).max(16_384),
        signature: z.object({
          algorithm: z.literal('ed25519'),
          keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits'),
          signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be the base64 of a 64-byte Ed25519 signature'),
        }),
      })
      .openapi({ description: 'the signed rotation message exactly as `scripts/release-keys rotate` wrote it: `{payload, signature}`' }),
    target: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('edges'), edgeIds: z.array(z.string().min(1).max(64)).min(1).max(1000) }),
        z.object({ kind: z.literal('all') }),
        z.object({ kind: z.literal('rollout'), rolloutId: z.string().min(1).max(64) }),
      ])
      .openapi({
        description:
          '`edges`: these boxes (all must support it, else 409); `all`: every active box the person sees (those too old are listed in `skipped`); `rollout`: every box of that rollout the person sees, whatever its step (those too old or no longer active are listed in `skipped`)',
      }),
  })
  .openapi('KeyRotationInput');

const delivery = z.object({
  edgeId: z.string(),
  edgeName: z.string(),
  hamletName: z.string(),
  state: z.enum(['pending', 'applied', 'refused']).openapi({ description: '`pending`: not answered yet (offline: sent when it is back); `applied`; `refused` (see `code`)' }),
  code: z.string().nullable().openapi({ description: 'refused: bad_signature, unknown_key, stale_keys (sequence not above the box\'s), bad_manifest, no_keys, not_supervised; pending: why the last try got no answer (edge_timeout, …)' }),
  detail: z.string().nullable(),
  attempts: z.number().int(),
  lastAttemptAt: z.number().nullable(),
  answeredAt: z.number().nullable(),
});

const rotationSchema = z
  .object({
    id: z.string(),
    sequence: z.number().int(),
    keyIds: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.number(),
    counts: z.object({ pending: z.number().int(), applied: z.number().int(), refused: z.number().int() }),
    deliveries: z.array(delivery),
  })
  .openapi('KeyRotation');

const rotationResult = rotationSchema.extend({ skipped: z.array(z.object({ edgeId: z.string(), edgeName: z.string(), reason: z.enum(['unsupported', 'inactive']) })) }).openapi('KeyRotationResult');

/** Release key rotations sent to boxes from the cloud (fleet.releases.manage to send, fleet.releases.read to follow). */
export function createKeyRotationRoutes(deps: { guard: Guard; rotations: KeyRotations }) {
  const { guard, rotations } = deps;
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'fleet.releases.manage', {
      method: 'post',
      path: '/release-keys/rotations',
      tags,
      summary: 'Send a signed release key-rotation message to boxes; each applies it as `sc-edge-supervisor rotate-keys` would',
      description:
        'The boxes online now are sent it at once and their answers are in the response; an offline box keeps a `pending` delivery that is sent again when it is back online. Each box checks the signature against the keys it trusts: a bad signature or an old sequence is `refused` with the box\'s reason.',
      request: { body: jsonBody(rotationInput) },
      responses: {
        201: jsonContent(rotationResult, 'Recorded; each box\'s state'),
        404: jsonContent(z.object({}), 'A chosen box or the rollout does not exist (or is another commune\'s)'),
        409: jsonContent(z.object({}), 'A chosen box is not active, or its version does not support it (`edge_unsupported`: nothing was sent); `no_boxes` for `all` or a rollout none of whose boxes can take it'),
        422: jsonContent(z.object({}), '`bad_rotation`: the payload is not a key-rotation message'),
      },
    }),
    async (c) => {
      const user = currentUser(c);
      return c.json(await rotations.rotate({ username: user.username, communeCode: user.communeCode }, c.req.valid('json'), requestIp(c)), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.releases.read', {
      method: 'get',
      path: '/release-keys/rotations',
      tags,
      summary: 'Key rotations sent from the cloud, newest first, with each box\'s state',
      responses: { 200: jsonContent(z.object({ rotations: z.array(rotationSchema) }), 'The rotations') },
    }),
    async (c) => c.json({ rotations: await rotations.list(currentUser(c)) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.releases.read', {
      method: 'get',
      path: '/release-keys/rotations/{id}',
      tags,
      summary: 'One key rotation with each box\'s state',
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: { 200: jsonContent(rotationSchema, 'The rotation'), 404: jsonContent(z.object({}), 'No such rotation') },
    }),
    async (c) => c.json(await rotations.get(currentUser(c), c.req.valid('param').id), 200),
  );

  return app;
}
