import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';

export const EXPORT_FORMAT = 'smart-commune-incident-export/1';

export interface ExportMediaFile {
  /** Name inside the zip: snapshot.jpg, clip.mp4 (the first part), clip-part-{n}.mp4, object-{trackId}.jpg. */
  name: string;
  path: string;
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
}

interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
const sha256 = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

/**
 * The evidence bundle of one incident as a zip stream: the media files as received, the metadata,
 * the audit trail, `manifest.json` and `SHA256SUMS` so a recipient can run `sha256sum -c SHA256SUMS`.
 * Media hashes are the ones the edge computed when it wrote the files, so the check covers
 * everything from the camera box to the recipient. Media are stored (not deflated), streamed from disk.
 */
export function exportBundle(input: ExportInput): Readable {
  const mtime = new Date(input.exportedAt);
  const zip = new ZipFile();
  const documents: [string, Buffer][] = [
    ['incident.json', json(input.metadata)],
    ['audit.json', json(input.trail)],
  ];
  const files: ManifestFile[] = [
    ...input.media.map(({ name, bytes, sha256: hash }) => ({ name, bytes, sha256: hash })),
    ...documents.map(([name, buffer]) => ({ name, bytes: buffer.length, sha256: sha256(buffer) })),
  ];
  const manifest = json({
    format: EXPORT_FORMAT,
    incidentId: input.incidentId,
    exportedAt: new Date(input.exportedAt).toISOString(),
    exportedBy: input.exportedBy,
    verify: 'sha256sum -c SHA256SUMS',
    files,
  });
  const sums = [...files, { name: 'manifest.json', sha256: sha256(manifest) }].map((f) => `${f.sha256}  ${f.name}\n`).join('');

  for (const file of input.media) zip.addFile(file.path, file.name, { mtime, compress: false });
  for (const [name, buffer] of documents) zip.addBuffer(buffer, name, { mtime });
  zip.addBuffer(manifest, 'manifest.json', { mtime });
  zip.addBuffer(Buffer.from(sums), 'SHA256SUMS', { mtime });
  zip.end();
  return zip.outputStream as Readable;
}
