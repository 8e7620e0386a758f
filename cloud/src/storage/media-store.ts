import type { Readable } from 'node:stream';
import type { MediaKey, MediaKind } from './media-key.js';

/**
 * Content-addressed media (bulletin audio, incident snapshots and clips, report photos), on local
 * disk or in an S3-compatible bucket. An object appears under its key only once its bytes have
 * been hashed and found equal to the key's sha256: readers never see a partial or wrong object.
 */
export interface MediaStore {
  /** 'local' or 's3': a label for logs and metrics. */
  readonly backend: MediaBackend;
  /**
   * Stores `source` under `key`. Throws MediaTooLarge as soon as more than `maxBytes` arrive and
   * MediaHashMismatch when the bytes do not hash to `key.sha256`; either way nothing is left
   * visible. The same content stored again (or twice at once) is fine: `created` says whether this
   * put added it.
   */
  put(key: MediaKey, source: MediaSource, options: { maxBytes: number }): Promise<PutResult>;
  /** Size of a stored object, or null when there is none. */
  head(key: MediaKey): Promise<{ size: number } | null>;
  /**
   * The object's bytes, whole or one range (for HTTP Range replies). Throws MediaNotFound, or
   * RangeNotSatisfiable (carrying the size, for a 416 with `Content-Range: bytes *\/size`).
   */
  read(key: MediaKey, range?: ByteRange): Promise<MediaRead>;
  /** Removes the object; answers the bytes freed (0 when it was not there). */
  delete(key: MediaKey): Promise<number>;
  /** Every stored object of a kind (retention sweeps, byte budgets), in no particular order. */
  list(kind: MediaKind): AsyncIterable<{ key: MediaKey; size: number }>;
  /**
   * Removes the temporary files of uploads a crash cut short, written more than `olderThanMs` ago
   * (younger ones may be another process's upload in progress); answers how many.
   */
  removeStaleUploads(olderThanMs: number): Promise<number>;
  /** Releases connections (the S3 client's sockets). */
  close(): Promise<void>;
}

export type MediaBackend = 'local' | 's3';

/** A stream (a request body, ffmpeg's output), bytes in memory, or a file the caller keeps. */
export type MediaSource = AsyncIterable<Uint8Array> | Uint8Array | { file: string };

export interface PutResult {
  key: MediaKey;
  bytes: number;
  /** False when the content was already stored (this put's bytes were dropped). */
  created: boolean;
}

/** Inclusive byte positions as in HTTP: `{ start, end? }` (end clamped to the size), or the last `suffix` bytes. */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface MediaRead {
  body: Readable;
  /** The whole object's size. */
  size: number;
  /** First and last byte sent (inclusive; end = start - 1 for an empty object). */
  start: number;
  end: number;
}

export class MediaNotFound extends Error {
  override name = 'MediaNotFound';
  constructor(readonly path: string) {
    super(`no stored media ${path}`);
  }
}

export class MediaHashMismatch extends Error {
  override name = 'MediaHashMismatch';
  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly bytes: number,
  ) {
    super(`the content's sha256 is ${actual}, not the expected ${expected} (${bytes} bytes received); nothing was stored`);
  }
}

export class MediaTooLarge extends Error {
  override name = 'MediaTooLarge';
  constructor(readonly maxBytes: number) {
    super(`the content is larger than ${maxBytes} bytes; nothing was stored`);
  }
}

/**
 * Thrown by a caller's own source to stop a put (a check it makes while the bytes stream, e.g. the
 * format of an upload's first bytes): nothing is stored, and the store counts it as `refused`, not
 * as its own failure. The caller catches its subclass and answers for it.
 */
export class MediaSourceRefused extends Error {
  override name = 'MediaSourceRefused';
}

export class RangeNotSatisfiable extends Error {
  override name = 'RangeNotSatisfiable';
  constructor(
    readonly size: number,
    readonly range: ByteRange,
  ) {
    super(`the range ${JSON.stringify(range)} is outside the ${size} bytes stored`);
  }
}

/** A range's first and last byte against a size (HTTP's rules: the end is clamped; a start past the end is unsatisfiable). */
export function resolveRange(range: ByteRange | undefined, size: number): { start: number; end: number } {
  if (!range) return { start: 0, end: size - 1 };
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if ('suffix' in range) {
    if (!whole(range.suffix) || range.suffix === 0 || size === 0) throw new RangeNotSatisfiable(size, range);
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (!whole(range.start) || (range.end !== undefined && (!whole(range.end) || range.end < range.start)) || range.start >= size) {
    throw new RangeNotSatisfiable(size, range);
  }
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}
