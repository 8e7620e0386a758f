import {
  cameraSettingsSchema,
  describeIssues,
  NO_CAMERAS,
  surveillanceSettingsSchema,
  type CameraSettings,
  type SurveillanceSettings,
} from '@smart-commune/shared';
import type { Documents } from '../fleet/documents.js';
import type { FleetService } from '../fleet/fleet-service.js';
import { badRequest, conflict, notFound } from '../http/errors.js';

/**
 * Cameras, zones, masks and rules of each box live in the `surveillance` part of its config document:
 * one source of truth, versioned, retained, applied by the box without a restart.
 */
export class CameraSettingsService {
  constructor(private readonly deps: { documents: Documents; fleet: FleetService }) {}

  async surveillance(edgeId: string): Promise<SurveillanceSettings> {
    return (await this.configOf(edgeId)).body.surveillance ?? NO_CAMERAS;
  }

  /** The box's cameras; none for a box without a config yet (a list never fails on one box). */
  async camerasOf(edgeId: string): Promise<CameraSettings[]> {
    return (await this.deps.documents.get(edgeId, 'config'))?.body.surveillance?.cameras ?? [];
  }

  async camera(edgeId: string, cameraId: string): Promise<CameraSettings> {
    const camera = (await this.surveillance(edgeId)).cameras.find((c) => c.id === cameraId);
    if (!camera) throw notFound(`camera ${cameraId} of edge ${edgeId}`);
    return camera;
  }

  /** Validates one camera on its own, so errors name its fields (`rules.1.zone`), not the document's. */
  parseCamera(input: unknown): CameraSettings {
    const parsed = cameraSettingsSchema.safeParse(input);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    return parsed.data;
  }

  async addCamera(edgeId: string, camera: CameraSettings): Promise<SurveillanceSettings> {
    return this.update(edgeId, (s) => {
      if (s.cameras.some((c) => c.id === camera.id)) throw conflict(`edge ${edgeId} already has a camera "${camera.id}"`);
      return { ...s, cameras: [...s.cameras, camera] };
    });
  }

  async replaceCamera(edgeId: string, camera: CameraSettings): Promise<SurveillanceSettings> {
    return this.update(edgeId, (s) => {
      if (!s.cameras.some((c) => c.id === camera.id)) throw notFound(`camera ${camera.id} of edge ${edgeId}`);
      return { ...s, cameras: s.cameras.map((c) => (c.id === camera.id ? camera : c)) };
    });
  }

  async removeCamera(edgeId: string, cameraId: string): Promise<SurveillanceSettings> {
    return this.update(edgeId, (s) => {
      if (!s.cameras.some((c) => c.id === cameraId)) throw notFound(`camera ${cameraId} of edge ${edgeId}`);
      return { ...s, cameras: s.cameras.filter((c) => c.id !== cameraId) };
    });
  }

  /** Changes the model size and whichever storage limits are given, keeping the rest. */
  async setOptions(edgeId: string, options: { model?: SurveillanceSettings['model']; storage?: Partial<SurveillanceSettings['storage']> }): Promise<SurveillanceSettings> {
    return this.update(edgeId, (s) => ({ ...s, model: options.model ?? s.model, storage: { ...s.storage, ...options.storage } }));
  }

  private async configOf(edgeId: string) {
    const config = await this.deps.documents.get(edgeId, 'config');
    if (!config) throw notFound(`config of edge ${edgeId} (the box was never claimed)`);
    return config;
  }

  private async update(edgeId: string, change: (current: SurveillanceSettings) => SurveillanceSettings): Promise<SurveillanceSettings> {
    const config = await this.configOf(edgeId);
    const parsed = surveillanceSettingsSchema.safeParse(change(config.body.surveillance ?? NO_CAMERAS));
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    await this.deps.fleet.setConfig(edgeId, { ...config.body, surveillance: parsed.data });
    return parsed.data;
  }
}
