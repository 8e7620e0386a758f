import sharp from 'sharp';
import { FrameSourceError } from './frames.js';
import type { Frame } from './frame.js';

/** A still picture (JPEG, PNG, anything sharp reads) as one BGR24 frame, EXIF orientation applied. */
export async function decodeImage(path: string, timeMs = Date.now()): Promise<Frame> {
  const { data, info } = await sharp(path)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((err: Error) => {
      throw new FrameSourceError(`cannot decode image ${path}: ${err.message}`, path, []);
    });
  if (info.channels !== 3) throw new FrameSourceError(`cannot decode image ${path}: ${info.channels} channels after conversion`, path, []);
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i]!;
    data[i] = data[i + 2]!;
    data[i + 2] = r;
  }
  return { data, width: info.width, height: info.height, pixelFormat: 'bgr24', index: 0, timeMs };
}
