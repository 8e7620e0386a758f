import type { FloodWarning } from '@smart-commune/shared';
import type { Edge } from '../fleet/edge-store.js';

/** A camera its box reports in a flood warning: where it is and what the box suggests to fix it. */
export interface FloodedCamera {
  edgeId: string;
  edgeName: string;
  hamletCode: string;
  hamletName: string;
  cameraId: string;
  /** The name the technician gave the camera; null when the box reports a camera its config no longer has. */
  cameraName: string | null;
  flood: FloodWarning;
}

/**
 * The cameras in a flood warning by their boxes' latest telemetry. Only boxes that are online count:
 * the telemetry of a box that went away says what was, not what is, and a stale warning would send a
 * technician to fix a camera that has since calmed down.
 */
export function floodedCameras(edges: readonly Edge[], nameOf: (edgeId: string, cameraId: string) => string | null = () => null): FloodedCamera[] {
  return edges.flatMap((edge) =>
    edge.online
      ? (edge.telemetry?.cameras ?? []).flatMap((camera) =>
          camera.flood ? [{ edgeId: edge.id, edgeName: edge.name, hamletCode: edge.hamletCode, hamletName: edge.hamletName, cameraId: camera.id, cameraName: nameOf(edge.id, camera.id), flood: camera.flood }] : [],
        )
      : [],
  );
}
