import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { INCIDENT_MAX_PARTS, incidentMediaKinds, type IncidentMediaKind, type IncidentMediaRef } from '@smart-commune/shared';
import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { requestIp } from '../audit/request-ip.js';
import { auditView } from '../audit/view-audit.js';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import type { ExportSigner } from '../evidence/signing-key.js';
import { ApiError } from '../http/errors.js';
import { mediaResponse } from '../http/media-response.js';
import { jsonContent } from '../http/route.js';
import { exportBundle, type ExportMediaFile } from './export-bundle.js';
import { incidentIdParam, incidentItemJson } from './http-schemas.js';
import { incidentRoute } from './incident-access.js';
import type { IncidentNotes } from './incident-notes.js';
import type { IncidentReview } from './incident-review.js';
import type { IncidentRecord } from './incident-records.js';
import type { IncidentStore } from './incident-store.js';
import type { IncidentVersions } from './incident-versions.js';
import type { MediaFiles } from './media-files.js';
import { CLOUD_VERSION } from '../version.js';

export interface MediaRoutesDeps {
  guard: Guard;
  audit: AuditLog;
  review: IncidentReview;
  notes: IncidentNotes;
  versions: IncidentVersions;
  files: MediaFiles;
  signer: ExportSigner;
  store: IncidentStore;
}

const objectParams = incidentIdParam.extend({ trackId: z.coerce.number().int().min(0).max(2 ** 31).openapi({ param: { name: 'trackId', in: 'path' } }) });
const partParams = incidentIdParam.extend({ index: z.coerce.number().int().min(0).max(INCIDENT_MAX_PARTS - 1).openapi({ param: { name: 'index', in: 'path' } }) });

const tags = ['Incidents'];
const FILE_NAMES: Record<IncidentMediaKind, string> = { snapshot: 'snapshot.jpg', clip: 'clip.mp4' };

/** The verified file of an incident, or a 404 saying it has not arrived (or not been verified) yet. */
function verifiedMedia(incident: IncidentRecord, kind: IncidentMediaKind): ExportMediaFile | null {
  const media = incident[kind];
  if (!media || media.receivedAt === null) return null;
  return { name: FILE_NAMES[kind], kind, sha256: media.sha256, bytes: media.bytes };
}

/** Evidence for police and admin: the snapshot, the clip (seekable) and the export bundle, every access audited. */
export function createIncidentMediaRoutes({ guard, audit, review, notes, versions, files, store, signer }: MediaRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();

  for (const kind of ['snapshot', 'clip'] as const) {
    app.openapi(
      incidentRoute(guard, audit, 'incident.media_refused', {
        method: 'get',
        path: `/incidents/{id}/${FILE_NAMES[kind]}`,
        tags,
        summary: kind === 'snapshot' ? 'The snapshot (JPEG, boxes drawn by the edge)' : 'The clip (MP4; Range requests for seeking)',
        description: 'The x-content-sha256 response header is the hash the edge computed and the cloud verified. Any other role gets 403 and an audit entry.',
        request: { params: incidentIdParam },
        responses: {
          200: { description: 'The file', content: { [incidentMediaKinds[kind]]: { schema: z.string().openapi({ format: 'binary' }) } } },
          ...(kind === 'clip' ? { 206: { description: 'The requested byte range' }, 416: { description: 'Range not satisfiable' } } : {}),
          404: jsonContent(z.object({}), 'No such incident, or the file has not been received and verified yet'),
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const file = verifiedMedia(await review.get(id, currentUser(c)), kind);
        if (!file) throw new ApiError(404, 'media_pending', `the ${kind} of incident ${id} has not been received and verified yet`);
        await auditView(audit, c, { action: `incident.${kind}_view`, target: `incident:${id}`, details: { sha256: file.sha256 } });
        return mediaResponse(c, files.media, files.keyOf(file.sha256, kind), incidentMediaKinds[kind], { 'cache-control': 'private, no-store', 'x-content-sha256': file.sha256, etag: `"${file.sha256}"` });
      },
    );
  }

  /** An object's picture or a clip part, verified; every view audited like the item's own files. */
  const serveRef = async (c: Context<AppEnv>, id: string, kind: IncidentMediaKind, ref: IncidentMediaRef) => {
    await review.get(id, currentUser(c)); // 404 when there is no such incident, or it is another commune's
    const media = await store.announced(id, kind, ref);
    const what = 'trackId' in ref ? `picture of object ${ref.trackId}` : `clip part ${ref.part}`;
    if (!media || media.receivedAt === null) throw new ApiError(404, 'media_pending', `the ${what} of incident ${id} has not been received and verified yet`);
    await auditView(audit, c, { action: `incident.${kind}_view`, target: `incident:${id}`, details: { ...ref, sha256: media.sha256 } });
    return mediaResponse(c, files.media, files.keyOf(media.sha256, kind), incidentMediaKinds[kind], { 'cache-control': 'private, no-store', 'x-content-sha256': media.sha256, etag: `"${media.sha256}"` });
  };

  app.openapi(
    incidentRoute(guard, audit, 'incident.media_refused', {
      method: 'get',
      path: '/incidents/{id}/objects/{trackId}/snapshot.jpg',
      tags,
      summary: "The best picture of one object of the item (JPEG, its box drawn by the edge)",
      request: { params: objectParams },
      responses: {
        200: { description: 'The file', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } },
        404: jsonContent(z.object({}), 'No such incident or object, or the picture has not been received and verified yet'),
      },
    }),
    (c) => {
      const { id, trackId } = c.req.valid('param');
      return serveRef(c, id, 'snapshot', { trackId });
    },
  );

  app.openapi(
    incidentRoute(guard, audit, 'incident.media_refused', {
      method: 'get',
      path: '/incidents/{id}/parts/{index}/clip.mp4',
      tags,
      summary: "One part of the item's clip (MP4; Range requests for seeking); parts in index order are the whole item",
      request: { params: partParams },
      responses: {
        200: { description: 'The file', content: { 'video/mp4': { schema: z.string().openapi({ format: 'binary' }) } } },
        206: { description: 'The requested byte range' },
        416: { description: 'Range not satisfiable' },
        404: jsonContent(z.object({}), 'No such incident or part, or the part has not been received and verified yet'),
      },
    }),
    (c) => {
      const { id, index } = c.req.valid('param');
      return serveRef(c, id, 'clip', { part: index });
    },
  );

  app.openapi(
    incidentRoute(guard, audit, 'incident.media_refused', {
      method: 'get',
      path: '/incidents/{id}/export.zip',
      tags,
      summary: 'Signed evidence bundle: clip, snapshot, metadata, audit trail, manifest.json signed by the cloud (manifest.sig, public-key.pem) and SHA256SUMS',
      description: 'Check it offline with `sc-cloud verify-export FILE.zip --fingerprint <the key fingerprint of GET /healthz>`: it names any file changed, missing or added since the export.',
      request: { params: incidentIdParam },
      responses: { 200: { description: 'A zip file', content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } } }, 404: jsonContent(z.object({}), 'No such incident') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = currentUser(c);
      const incident = await review.get(id, user);
      const [found, notesOf, versionsOf] = await Promise.all([store.item(id), notes.list(id), versions.list(id)]);
      const item = found!;
      // the whole item: its snapshot and clip as before, every later part and every other object's picture
      const extra: ExportMediaFile[] = [
        ...item.parts.filter((p) => p.index > 0 && p.receivedAt !== null).map((p) => ({ name: `clip-part-${p.index}.mp4`, kind: 'clip' as const, sha256: p.sha256, bytes: p.bytes })),
        ...item.objects
          .filter((o) => o.snapshot?.receivedAt != null && o.snapshot.sha256 !== incident.snapshot?.sha256)
          .map((o) => ({ name: `object-${o.trackId}.jpg`, kind: 'snapshot' as const, sha256: o.snapshot!.sha256, bytes: o.snapshot!.bytes })),
      ];
      const media = [...(['snapshot', 'clip'] as const).map((kind) => verifiedMedia(incident, kind)).filter((m) => m !== null), ...extra];
      // every file is still in the store, as big as verified: else a clear error now, not a zip cut short later
      for (const m of media) {
        if ((await files.media.head(files.keyOf(m.sha256, m.kind)))?.size !== m.bytes) {
          throw new ApiError(500, 'media_missing', `the verified ${m.name} (sha256 ${m.sha256}) of incident ${id} is missing from the media store`);
        }
      }
      const exportedAt = Date.now();
      await audit.record({ actor: actorOf(user), action: 'incident.export', target: `incident:${id}`, details: { files: media.map((m) => m.name) }, ip: requestIp(c) });
      const zip = exportBundle({
        incidentId: id,
        exportedAt,
        exportedBy: user.username,
        metadata: { ...incidentItemJson(item), notes: notesOf, versions: versionsOf },
        trail: await audit.trail(`incident:${id}`),
        media,
        open: (m) => files.read(m.sha256, m.kind).then((read) => read.body),
        signer,
        cloudVersion: CLOUD_VERSION,
      });
      return c.body(Readable.toWeb(zip) as ReadableStream, 200, {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="incident-${id}.zip"`,
        'cache-control': 'private, no-store',
      });
    },
  );

  return app;
}
