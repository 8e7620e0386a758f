import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { ApiError } from '../http/errors.js';
import type { MediaKey } from '../storage/media-key.js';
import type { MediaStore } from '../storage/media-store.js';

const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'avif', 'tiff']);
/** Longest side kept: enough to see the scene, small enough for a slow link. */
const MAX_SIDE = 2048;
/** A decompression bomb (a small file of a huge picture) is refused before decoding. */
const MAX_INPUT_PIXELS = 50_000_000;

/**
 * A citizen's photo made safe to keep: it must decode as a picture, and it is re-encoded as a plain
 * JPEG (turned upright first), which drops EXIF, GPS, XMP and ICC metadata — a phone photo often
 * carries the reporter's exact position and device.
 */
export async function cleanPhoto(bytes: Uint8Array, maxBytes: number): Promise<Buffer> {
  if (bytes.length > maxBytes) {
    throw new ApiError(413, 'photo_too_large', `ảnh quá lớn (${(bytes.length / 1e6).toFixed(1)} MB); tối đa ${Math.floor(maxBytes / 1e6)} MB`);
  }
  const format = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
    .metadata()
    .then((m) => m.format)
    .catch(() => undefined);
  if (!format || !ACCEPTED_FORMATS.has(format)) throw new ApiError(400, 'invalid_image', 'tệp đính kèm không phải là ảnh (chấp nhận JPEG, PNG, WebP, HEIC)');
  try {
    return await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82, mozjpeg: true })
      .toBuffer();
  } catch {
    throw new ApiError(400, 'invalid_image', 'ảnh bị hỏng, không đọc được');
  }
}

/** Cleaned photos in the media store (`reports/<sha256>.jpg`, on disk or in the bucket), named by their sha256. */
export class ReportPhotos {
  constructor(readonly media: MediaStore) {}

  keyOf(sha256: string): MediaKey {
    return { kind: 'report', sha256, ext: 'jpg' };
  }

  /** Stores a cleaned JPEG; it is visible (and the report written) only once its bytes are verified in the store. */
  async store(jpeg: Buffer): Promise<{ sha256: string; bytes: number }> {
    const sha256 = createHash('sha256').update(jpeg).digest('hex');
    await this.media.put(this.keyOf(sha256), jpeg, { maxBytes: jpeg.length });
    return { sha256, bytes: jpeg.length };
  }
}
