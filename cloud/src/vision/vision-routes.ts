import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { SurveillanceSettings } from '@smart-commune/shared';
import type { AuditLog } from '../audit/audit-log.js';
import { auditView } from '../audit/view-audit.js';
import type { EdgeStore } from '../fleet/edge-store.js';
import type { FleetService } from '../fleet/fleet-service.js';
import { boxInScope } from '../fleet/box-scope.js';
import type { Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { conflict, notFound } from '../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import type { CameraSettingsService } from './camera-settings.js';
import type { CameraStatusStore } from './camera-status.js';
import { cameraToView, withStoredPassword } from './camera-views.js';
import { adoptInput, cameraInput, cameraParams, cameraView, camerasView, discoveredView, masksInput, rulesInput, scanInput, surveillanceOptionsInput, zonesInput } from './vision-schemas.js';

export interface VisionRoutesDeps {
  guard: Guard;
  audit: AuditLog;
  edges: EdgeStore;
  fleet: FleetService;
  settings: CameraSettingsService;
  status: CameraStatusStore;
}

const tags = ['Cameras'];
const edgeParam = cameraParams.pick({ id: true });

/** Cameras of each box with their zones, masks and rules; ONVIF discovery and adoption; the current picture. */
export function createVisionRoutes(deps: VisionRoutesDeps) {
  const { guard, audit, edges, fleet, settings, status } = deps;
  const app = new OpenAPIHono<AppEnv>();
  // a box's cameras are its commune's: another commune's box answers 404 on every route here
  const inScope = boxInScope(edges);

  const viewOf = async (edgeId: string, surveillance: SurveillanceSettings) => {
    const statuses = await status.statuses(edgeId);
    const telemetry = new Map(((await edges.get(edgeId)).telemetry?.cameras ?? []).map((t) => [t.id, t]));
    return {
      cameras: surveillance.cameras.map((c) => cameraToView(c, statuses.get(c.id), telemetry.get(c.id))),
      model: surveillance.model,
      storage: surveillance.storage,
    };
  };
  const cameraViewOf = async (edgeId: string, surveillance: SurveillanceSettings, cameraId: string) => {
    const found = (await viewOf(edgeId, surveillance)).cameras.find((c) => c.id === cameraId);
    if (!found) throw notFound(`camera ${cameraId} of edge ${edgeId}`);
    return found;
  };
  /** Replaces one part of a camera (zones, masks or rules), validated with the camera as a whole. */
  const replacePart = async (edgeId: string, cameraId: string, part: object) => {
    const camera = settings.parseCamera({ ...(await settings.camera(edgeId, cameraId)), ...part });
    return await cameraViewOf(edgeId, await settings.replaceCamera(edgeId, camera), cameraId);
  };

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'get',
      path: '/edges/{id}/cameras',
      tags,
      summary: 'The cameras of a box, their live state, the model and storage settings',
      request: { params: edgeParam },
      responses: { 200: jsonContent(camerasView, 'Cameras') },
    }, inScope),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(await viewOf(id, await settings.surveillance(id)), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'post',
      path: '/edges/{id}/cameras',
      tags,
      summary: 'Add a camera (RTSP URL or ONVIF device); the box starts it without restarting',
      request: { params: edgeParam, body: jsonBody(cameraInput) },
      responses: { 201: jsonContent(cameraView, 'The camera as stored'), 409: jsonContent(z.object({}), 'A camera with this id exists') },
    }, inScope),
    async (c) => {
      const { id } = c.req.valid('param');
      const camera = settings.parseCamera(c.req.valid('json'));
      return c.json(await cameraViewOf(id, await settings.addCamera(id, camera), camera.id), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'get',
      path: '/edges/{id}/cameras/{cameraId}',
      tags,
      summary: 'One camera',
      request: { params: cameraParams },
      responses: { 200: jsonContent(cameraView, 'The camera') },
    }, inScope),
    async (c) => {
      const { id, cameraId } = c.req.valid('param');
      return c.json(await cameraViewOf(id, await settings.surveillance(id), cameraId), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'put',
      path: '/edges/{id}/cameras/{cameraId}',
      tags,
      summary: 'Replace a camera; leave the password out to keep the stored one',
      request: { params: cameraParams, body: jsonBody(cameraInput) },
      responses: { 200: jsonContent(cameraView, 'The camera as stored') },
    }, inScope),
    async (c) => {
      const { id, cameraId } = c.req.valid('param');
      const input = c.req.valid('json');
      if (input.id !== cameraId) throw conflict(`the body names camera "${input.id}", the path "${cameraId}"`);
      const camera = settings.parseCamera(withStoredPassword(input, await settings.camera(id, cameraId)));
      return c.json(await cameraViewOf(id, await settings.replaceCamera(id, camera), cameraId), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'delete',
      path: '/edges/{id}/cameras/{cameraId}',
      tags,
      summary: 'Remove a camera; the box stops it (its incidents stay)',
      request: { params: cameraParams },
      responses: { 204: { description: 'Removed' } },
    }, inScope),
    async (c) => {
      const { id, cameraId } = c.req.valid('param');
      await settings.removeCamera(id, cameraId);
      await status.forget(id, cameraId);
      return c.body(null, 204);
    },
  );

  for (const [part, body, summary] of [
    ['zones', zonesInput, 'Replace the zones (normalised polygons) of a camera'],
    ['masks', masksInput, 'Replace the masks (areas where nothing is detected) of a camera'],
    ['rules', rulesInput, 'Replace the rules (zone, classes, time windows, dwell, cooldown) of a camera'],
  ] as const) {
    app.openapi(
      apiRoute(guard, 'fleet.cameras.manage', {
        method: 'put',
        path: `/edges/{id}/cameras/{cameraId}/${part}`,
        tags,
        summary,
        request: { params: cameraParams, body: jsonBody(body) },
        responses: { 200: jsonContent(cameraView, 'The camera as stored') },
      }, inScope),
      async (c) => {
        const { id, cameraId } = c.req.valid('param');
        return c.json(await replacePart(id, cameraId, c.req.valid('json')), 200);
      },
    );
  }

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'patch',
      path: '/edges/{id}/surveillance',
      tags,
      summary: 'Model size and storage limits of a box',
      request: { params: edgeParam, body: jsonBody(surveillanceOptionsInput) },
      responses: { 200: jsonContent(camerasView, 'Cameras and settings') },
    }, inScope),
    async (c) => {
      const { id } = c.req.valid('param');
      const updated = await settings.setOptions(id, c.req.valid('json'));
      return c.json(await viewOf(id, updated), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'get',
      path: '/edges/{id}/cameras/{cameraId}/snapshot.jpg',
      tags,
      summary: "The camera's current picture as the box sees it",
      description: 'Each viewing is written to the audit log (camera.snapshot_view, once per person and camera per 10 minutes), as police views of evidence are.',
      request: { params: cameraParams },
      responses: { 200: { description: 'JPEG', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } } },
    }, inScope),
    async (c) => {
      const { id, cameraId } = c.req.valid('param');
      await settings.camera(id, cameraId);
      const picture = await fleet.cameraSnapshot(id, { cameraId });
      // a live picture of the commune is as sensitive as recorded evidence: who looked is on record
      await auditView(audit, c, { action: 'camera.snapshot_view', target: `camera:${id}/${cameraId}` });
      return c.body(Buffer.from(picture.jpegBase64, 'base64'), 200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store' });
    },
  );

  const discovered = async (edgeId: string) => {
    const adopted = new Map((await settings.surveillance(edgeId)).cameras.flatMap((cam) => (cam.source.kind === 'onvif' ? [[cam.source.xaddr, cam.id] as const] : [])));
    return { devices: (await status.discovered(edgeId)).map((d) => ({ ...d, adoptedAs: adopted.get(d.xaddr) ?? null })) };
  };

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'get',
      path: '/edges/{id}/discovered-cameras',
      tags,
      summary: 'ONVIF devices the box found on its LAN, and which are already adopted',
      request: { params: edgeParam },
      responses: { 200: jsonContent(discoveredView, 'Discovered devices') },
    }, inScope),
    async (c) => c.json(await discovered(c.req.valid('param').id), 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'post',
      path: '/edges/{id}/discovered-cameras/scan',
      tags,
      summary: 'Ask the box to probe its LAN for ONVIF cameras now (WS-Discovery)',
      request: { params: edgeParam, body: jsonBody(scanInput) },
      responses: { 200: jsonContent(discoveredView, 'Discovered devices') },
    }, inScope),
    async (c) => {
      const { id } = c.req.valid('param');
      const found = await fleet.discoverCameras(id, c.req.valid('json'));
      await status.onDiscovered(id, Date.now(), found.devices);
      return c.json(await discovered(id), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'fleet.cameras.manage', {
      method: 'post',
      path: '/edges/{id}/discovered-cameras/adopt',
      tags,
      summary: 'Configure a discovered ONVIF device as a camera of the box',
      request: { params: edgeParam, body: jsonBody(adoptInput) },
      responses: { 201: jsonContent(cameraView, 'The new camera') },
    }, inScope),
    async (c) => {
      const { id } = c.req.valid('param');
      const { urn, id: cameraId, name, username, password } = c.req.valid('json');
      const device = (await status.discovered(id)).find((d) => d.urn === urn);
      if (!device) throw notFound(`discovered device ${urn} of edge ${id}`);
      const camera = settings.parseCamera({ id: cameraId, name, source: { kind: 'onvif', xaddr: device.xaddr, username, password } });
      return c.json(await cameraViewOf(id, await settings.addCamera(id, camera), cameraId), 201);
    },
  );

  return app;
}
