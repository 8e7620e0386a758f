import { z } from 'zod';
import { sha256Schema } from './radio.js';

/*
 * The files of an incident (snapshots, clip parts) and how the edge uploads them: the event names
 * each file by its sha256 and size, the cloud verifies each upload against it.
 */

export const mediaFileSchema = z.object({
  sha256: sha256Schema,
  bytes: z.number().int().positive(),
});
export type MediaFile = z.infer<typeof mediaFileSchema>;

/** Media kinds an edge uploads for an incident. */
export const incidentMediaKinds = { snapshot: 'image/jpeg', clip: 'video/mp4' } as const;
export type IncidentMediaKind = keyof typeof incidentMediaKinds;

/** Request header carrying the sha256 the edge computed when it wrote the file. */
export const CONTENT_SHA256_HEADER = 'x-content-sha256';

/** Which file of an item: its snapshot/clip (none), one object's best picture, or one clip part. */
export type IncidentMediaRef = { trackId: number } | { part: number };

/**
 * `PUT` with device credentials: the edge uploads one incident file. Without `ref` the paths of boxes
 * before review items (the item's snapshot and first clip part); with it an object's picture
 * (`…/objects/{trackId}/snapshot`) or a clip part (`…/parts/{index}/clip`).
 */
export function incidentMediaPath(incidentId: string, kind: IncidentMediaKind, ref?: IncidentMediaRef): string {
  const base = `/api/v1/device/incidents/${incidentId}`;
  if (ref === undefined) return `${base}/${kind}`;
  return 'trackId' in ref ? `${base}/objects/${ref.trackId}/${kind}` : `${base}/parts/${ref.part}/${kind}`;
}
