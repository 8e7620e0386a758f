import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { ApiError } from './errors.js';

/** Parses a single `bytes=a-b` range against a file size; null for no (or an unsupported) range header. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const [, from, to] = match;
  if (from === '' && to === '') return null;
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  return start > end || start >= size ? 'unsatisfiable' : { start, end };
}

/** Streams a file with Range support (resumable downloads, seeking in players). */
export function fileResponse(c: Context, path: string, contentType: string, extraHeaders: Record<string, string> = {}): Response {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new ApiError(404, 'not_found', 'file not found');
  }
  const headers: Record<string, string> = { 'content-type': contentType, 'accept-ranges': 'bytes', ...extraHeaders };
  const range = parseRange(c.req.header('range'), size);
  if (range === 'unsatisfiable') return c.body(null, 416, { ...headers, 'content-range': `bytes */${size}` });
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const stream = Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream;
  headers['content-length'] = String(end - start + 1);
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  return c.body(stream, range ? 206 : 200, headers);
}
