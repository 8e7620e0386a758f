import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { MediaKey } from '../storage/media-key.js';
import { MediaNotFound, RangeNotSatisfiable, type ByteRange, type MediaStore } from '../storage/media-store.js';
import { ApiError } from './errors.js';

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` Range header; null for none or one not understood (answered whole, as RFC 9110 allows). */
export function byteRangeOf(header: string | undefined): ByteRange | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const [, from, to] = match;
  if (from === '' && to === '') return null;
  if (from === '') return { suffix: Number(to) };
  return to === '' ? { start: Number(from) } : { start: Number(from), end: Number(to) };
}

/**
 * Serves a stored object with Range support, as fileResponse does for a file: 200 whole, 206 a
 * range, 416 with `Content-Range: bytes *\/size` for a range past the end, 404 when it is not stored.
 */
export async function mediaResponse(c: Context, store: MediaStore, key: MediaKey, contentType: string, extraHeaders: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': contentType, 'accept-ranges': 'bytes', ...extraHeaders };
  const range = byteRangeOf(c.req.header('range'));
  try {
    const read = await store.read(key, range ?? undefined);
    headers['content-length'] = String(read.end - read.start + 1);
    if (range) headers['content-range'] = `bytes ${read.start}-${read.end}/${read.size}`;
    return c.body(Readable.toWeb(read.body) as ReadableStream, range ? 206 : 200, headers);
  } catch (err) {
    if (err instanceof RangeNotSatisfiable) return c.body(null, 416, { ...headers, 'content-range': `bytes */${err.size}` });
    if (err instanceof MediaNotFound) throw new ApiError(404, 'not_found', 'file not found');
    throw err;
  }
}
