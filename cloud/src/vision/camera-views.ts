import type { CameraSettings, CameraTelemetry } from '@smart-commune/shared';
import type { CameraStatusView } from './camera-status.js';
import type { CameraInput, CameraView } from './vision-schemas.js';

/** A camera for the API: its password replaced by whether it has one, with the box's latest word on its stream. */
export function cameraToView(camera: CameraSettings, status: CameraStatusView | undefined, telemetry: CameraTelemetry | undefined): CameraView {
  const { password, ...source } = camera.source;
  return {
    ...camera,
    source: { ...source, hasPassword: Boolean(password) },
    live: {
      status: status?.status ?? telemetry?.status ?? 'unknown',
      error: status?.error ?? telemetry?.error ?? null,
      attempts: status?.attempts ?? 0,
      changedAt: status?.changedAt ?? null,
      fps: telemetry?.fps ?? null,
      lastFrameAt: telemetry?.lastFrameAt ?? null,
      itemsLastHour: telemetry?.itemsLastHour ?? null,
      flood: telemetry?.flood ?? null,
    },
  };
}

/** A technician who edits a camera without retyping its password keeps the stored one (same kind of source). */
export function withStoredPassword(input: CameraInput, stored: CameraSettings | undefined): unknown {
  if (input.source.password !== undefined || !stored || stored.source.kind !== input.source.kind || stored.source.password === undefined) return input;
  return { ...input, source: { ...input.source, password: stored.source.password } };
}
