import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { actorOf } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { currentUser, type Guard } from '../http/access.js';
import { errorJson } from '../http/errors.js';
import { formatBytes, routeBodyLimit } from '../http/body-limit.js';
import type { AppEnv } from '../http/env.js';
import { fileResponse } from '../http/file-response.js';
import { badRequest, notFound } from '../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import { newRolloutInput, pauseInput, releaseParams, releaseSchema, rolloutBoxSchema, rolloutIdParam, rolloutSchema } from './http-schemas.js';
import { receiveRelease, type ReleaseUploadDeps } from './release-upload.js';
import type { RolloutEngine } from './rollout-engine.js';
import type { RolloutStore } from './rollout-store.js';
import { boxFilterOf } from '../fleet/box-scope.js';

export interface ReleasesRoutesDeps {
  guard: Guard;
  upload: ReleaseUploadDeps;
  engine: RolloutEngine;
  rollouts: RolloutStore;
}

const tags = ['Releases'];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('Malformed JSON in request body');
  }
}
const refused = jsonContent(z.object({}), 'Refused: bad_signature (not signed by a province key, or altered), bad_manifest, file_mismatch (a file differs from the manifest), not_a_bundle; nothing was stored');

/** Edge releases (signed bundles) and their rollouts; the boxes' bundle download. */
export function createReleasesRoutes(deps: ReleasesRoutesDeps) {
  const { guard, upload, engine, rollouts } = deps;
  const { store } = upload;
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'fleet.releases.read', {
      method: 'get',
      path: '/releases',
      tags,
      summary: 'Stored release bundles, newest first',
      responses: { 200: jsonContent(z.object({ releases: z.array(releaseSchema) }), 'The releases') },
    }),
    async (c) => c.json({ releases: await store.list() }, 200),
  );

  app.openapi(
    apiRoute(
      guard,
      'fleet.releases.manage',
      {
        method: 'post',
        path: '/releases',
        tags,
        summary: 'Upload a signed release bundle (.tar or .tar.gz as the raw body); checked before it is stored',
        description:
          'The body is the bundle file itself (`Content-Type: application/octet-stream`). The cloud streams it to disk, then checks manifest.sig against the province\'s release public keys (SC_RELEASE_PUBLIC_KEYS_FILE) and every file against the manifest\'s size and sha256. Anything wrong is refused with 422 and nothing is kept.',
        request: { body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } } },
        responses: {
          201: jsonContent(releaseSchema, 'Checked and stored'),
          409: jsonContent(z.object({}), 'This version and architecture is already stored'),
          413: jsonContent(z.object({}), 'Larger than SC_RELEASE_MAX_BYTES'),
          422: refused,
        },
      },
      routeBodyLimit({ maxBytes: upload.maxBytes, refuse: (c) => errorJson(c, 413, 'payload_too_large', `a release bundle is at most ${formatBytes(upload.maxBytes)} (SC_RELEASE_MAX_BYTES)`) }),
    ),
    async (c) => c.json(await receiveRelease(upload, c.req.raw.body, actorOf(currentUser(c)), requestIp(c)), 201),
  );

  app.openapi(
    apiRoute(guard, 'fleet.releases.manage', {
      method: 'delete',
      path: '/releases/{version}/{arch}',
      tags,
      summary: 'Delete a stored bundle (refused while a rollout of its version is under way)',
      request: { params: releaseParams },
      responses: { 204: { description: 'Deleted' }, 404: jsonContent(z.object({}), 'No such release'), 409: jsonContent(z.object({}), 'A rollout of this version is under way') },
    }),
    async (c) => {
      const { version, arch } = c.req.valid('param');
      const outcome = await store.deleteUnlessRolledOut(version, arch);
      if (!outcome.deleted && outcome.reason === 'in_use') return errorJson(c, 409, 'conflict', `rollout ${outcome.rollout.id} of ${version} is ${outcome.rollout.state}: cancel it before deleting the release`);
      if (!outcome.deleted) throw notFound(`release ${version} for ${arch}`);
      await upload.audit.record({ actor: actorOf(currentUser(c)), action: 'release.deleted', target: `release:${version}/${arch}`, ip: requestIp(c) });
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute(guard, 'device', {
      method: 'get',
      path: '/device/releases/{version}/{arch}/bundle',
      tags,
      summary: 'A box downloads a release bundle, resumable with HTTP Range',
      description: 'Answers 206 with Content-Range for a `Range: bytes=N-` request, so a box resumes a download cut by its link.',
      request: { params: releaseParams },
      responses: { 200: { description: 'The bundle' }, 206: { description: 'The asked range' }, 404: jsonContent(z.object({}), 'No such release'), 416: { description: 'Range beyond the file' } },
    }),
    async (c) => {
      const { version, arch } = c.req.valid('param');
      const release = await store.find(version, arch);
      const file = await store.filePath(version, arch);
      if (!release || !file) throw notFound(`release ${version} for ${arch}`);
      const res = fileResponse(c as unknown as Context, file, 'application/octet-stream', { etag: `"${release.sha256}"`, 'x-content-sha256': release.sha256 });
      upload.metrics.bundleBytesSent.inc(Number(res.headers.get('content-length') ?? 0));
      return res as never;
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.releases.read', {
      method: 'get',
      path: '/rollouts',
      tags,
      summary: 'Rollouts, newest first, with each one\'s boxes counted by state',
      responses: { 200: jsonContent(z.object({ rollouts: z.array(rolloutSchema) }), 'The rollouts') },
    }),
    // a commune's people: the rollouts that reach their boxes, counted over their boxes only
    async (c) => c.json({ rollouts: await rollouts.list(100, boxFilterOf(currentUser(c))) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.releases.manage', {
      method: 'post',
      path: '/rollouts',
      tags,
      summary: 'Roll a release out to chosen boxes, a hamlet or the commune, at once or in waves',
      request: { body: jsonBody(newRolloutInput) },
      responses: {
        201: jsonContent(rolloutSchema, 'Created; the first wave was sent'),
        409: jsonContent(z.object({}), 'Some boxes are already in a rollout under way'),
      },
    }),
    async (c) => c.json(await engine.create(c.req.valid('json'), actorOf(currentUser(c))), 201),
  );

  app.openapi(
    apiRoute(guard, 'fleet.releases.read', {
      method: 'get',
      path: '/rollouts/{id}',
      tags,
      summary: 'One rollout with every box: its version, its step, and any failure with its reason and log lines',
      request: { params: rolloutIdParam },
      responses: { 200: jsonContent(rolloutSchema.extend({ boxes: z.array(rolloutBoxSchema) }), 'The rollout') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const mine = boxFilterOf(currentUser(c));
      return c.json({ ...(await engine.get(id, mine)), boxes: await rollouts.boxes(id, mine) }, 200);
    },
  );

  const action = (verb: 'pause' | 'resume' | 'cancel', summary: string) =>
    app.openapi(
      apiRoute(guard, 'fleet.releases.manage', {
        method: 'post',
        path: `/rollouts/{id}/${verb}`,
        tags,
        summary,
        description: verb === 'pause' ? 'Optional JSON body {"reason"}.' : undefined,
        request: { params: rolloutIdParam },
        responses: { 200: jsonContent(rolloutSchema, 'The rollout now'), 409: jsonContent(z.object({}), 'Not in a state that allows it') },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const by = actorOf(currentUser(c));
        if (verb === 'resume') return c.json(await engine.resume(id, by), 200);
        if (verb === 'cancel') return c.json(await engine.cancel(id, by), 200);
        const text = await c.req.text();
        const body = text.trim() ? pauseInput.parse(parseJson(text)) : {};
        return c.json(await engine.pause(id, body.reason ?? `paused by ${by}`, by), 200);
      },
    );
  action('pause', 'Pause: no further box is sent the release; boxes that have not switched yet are told to stay');
  action('resume', 'Resume a paused rollout: the current wave\'s waiting boxes are sent the release again (failures so far are accepted)');
  action('cancel', 'Cancel: boxes that have not switched stay on their version; those that did keep the new one');

  return app;
}
