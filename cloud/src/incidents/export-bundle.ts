import type { Readable } from 'node:stream';
import type { IncidentMediaKind } from '@smart-commune/shared';
import { signedBundle } from '../evidence/signed-bundle.js';
import type { ExportSigner } from '../evidence/signing-key.js';

export interface ExportMediaFile {
  /** Name inside the zip: snapshot.jpg, clip.mp4 (the first part), clip-part-{n}.mp4, object-{trackId}.jpg. */
  name: string;
  kind: IncidentMediaKind;
  sha256: string;
  bytes: number;
}

export interface ExportInput {
  incidentId: string;
  exportedAt: number;
  exportedBy: string;
  /** The incident as the API shows it, with its notes and versions. */
  metadata: unknown;
  /** The incident's audit trail, oldest first (this export included). */
  trail: unknown[];
  /** Only files the cloud verified against the edge's hash. */
  media: ExportMediaFile[];
  /** A file's bytes from the media store, opened when the zip reaches it (one download at a time). */
  open(file: ExportMediaFile): Promise<Readable>;
  signer: ExportSigner;
  cloudVersion: string;
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/**
 * The evidence bundle of one incident: its verified media as received, `incident.json` (the incident
 * with notes and versions) and `audit.json` (its trail), in a signed bundle (evidence/signed-bundle.ts).
 * Media hashes are the ones the edge computed when it wrote the files, so the check covers
 * everything from the camera box to the recipient.
 */
export function exportBundle(input: ExportInput): Readable {
  return signedBundle({
    incidentId: input.incidentId,
    exportedAt: input.exportedAt,
    exportedBy: input.exportedBy,
    cloudVersion: input.cloudVersion,
    signer: input.signer,
    files: [
      ...input.media.map((file) => ({ name: file.name, sha256: file.sha256, bytes: file.bytes, open: () => input.open(file) })),
      { name: 'incident.json', buffer: json(input.metadata) },
      { name: 'audit.json', buffer: json(input.trail) },
    ],
  });
}
