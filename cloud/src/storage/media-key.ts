import { sha256Schema } from '@smart-commune/shared';
import { AUDIO_FORMATS } from '../radio/audio/audio-formats.js';

/**
 * What each domain keeps, where it sits under the data dir today, and the extensions it uses. The
 * key of an object is that relative path ('/'-separated), the same on disk and in a bucket, so an
 * existing data dir keeps working and a move to S3 is a plain copy of the three folders.
 */
export const MEDIA_KINDS: Readonly<Record<'audio' | 'incident' | 'report', { dir: string; fanOut: boolean; extensions: readonly string[] }>> = {
  /** Distribution-ready bulletin audio (AssetStore): `assets/<first 2 hex>/<sha256>.<ogg|mp3>`, the formats' own extensions. */
  audio: { dir: 'assets', fanOut: true, extensions: Object.values(AUDIO_FORMATS).map((format) => format.extension) },
  /** Incident snapshots and clips (MediaFiles): `incidents/<first 2 hex>/<sha256>.<jpg|mp4>`. */
  incident: { dir: 'incidents', fanOut: true, extensions: ['jpg', 'mp4'] },
  /** Citizens' cleaned report photos (ReportPhotos): `reports/<sha256>.jpg`, no fan-out. */
  report: { dir: 'reports', fanOut: false, extensions: ['jpg'] },
};

export type MediaKind = keyof typeof MEDIA_KINDS;

/** One stored object: its content's sha256 is its name, so the same bytes are kept once. */
export interface MediaKey {
  kind: MediaKind;
  /** Lower-case hex sha256 of the content; a put is refused unless the bytes hash to it. */
  sha256: string;
  /** Without the dot; one of the kind's extensions. */
  ext: string;
}

/** Uploads in progress live here, beside the kind's objects (same file system: adopting one is a rename). */
export const TEMP_DIR = 'tmp';

export class InvalidMediaKey extends Error {
  override name = 'InvalidMediaKey';
}

/** Throws an InvalidMediaKey naming what is wrong (a key reaches paths and bucket names: nothing unchecked). */
export function checkMediaKey(key: MediaKey): MediaKey {
  const kind = Object.hasOwn(MEDIA_KINDS, key.kind) ? MEDIA_KINDS[key.kind] : undefined;
  if (!kind) throw new InvalidMediaKey(`unknown media kind ${JSON.stringify(key.kind)} (expected ${Object.keys(MEDIA_KINDS).join(', ')})`);
  if (!sha256Schema.safeParse(key.sha256).success) throw new InvalidMediaKey(`${JSON.stringify(key.sha256)} is not a lower-case hex sha256`);
  if (!kind.extensions.includes(key.ext)) {
    throw new InvalidMediaKey(`.${key.ext} is not an extension of ${key.kind} media (expected ${kind.extensions.join(', ')})`);
  }
  return key;
}

/** The object's relative path, e.g. `incidents/ab/ab12….jpg`. */
export function mediaPath(key: MediaKey): string {
  checkMediaKey(key);
  const { dir, fanOut } = MEDIA_KINDS[key.kind];
  return fanOut ? `${dir}/${key.sha256.slice(0, 2)}/${key.sha256}.${key.ext}` : `${dir}/${key.sha256}.${key.ext}`;
}

/** The key a stored path names, or null for anything else in the folder (temporary files, strays). */
export function parseMediaPath(kind: MediaKind, path: string): MediaKey | null {
  const { dir, fanOut } = MEDIA_KINDS[kind];
  const match = (fanOut ? /^([^/]+)\/([0-9a-f]{2})\/([0-9a-f]{64})\.([a-z0-9]+)$/ : /^([^/]+)\/()([0-9a-f]{64})\.([a-z0-9]+)$/).exec(path);
  if (!match || match[1] !== dir || (fanOut && match[2] !== match[3]!.slice(0, 2))) return null;
  const key = { kind, sha256: match[3]!, ext: match[4]! };
  return MEDIA_KINDS[kind].extensions.includes(key.ext) ? key : null;
}
