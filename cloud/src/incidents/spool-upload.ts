import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export interface SpooledUpload {
  sha256: string;
  bytes: number;
  /** The first bytes, to recognise the format. */
  head: Buffer;
}

export class UploadTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the upload is larger than ${maxBytes} bytes`);
    this.name = 'UploadTooLarge';
  }
}

const HEAD_BYTES = 16;

/**
 * Writes a request body to `file`, hashing it on the way and stopping as soon as it passes
 * `maxBytes`; the file is synced to disk before this returns and removed if anything fails.
 */
export async function spoolUpload(body: ReadableStream<Uint8Array> | null, file: string, maxBytes: number): Promise<SpooledUpload> {
  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  const count = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new UploadTooLarge(maxBytes);
      hash.update(chunk);
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      yield chunk;
    }
  };
  try {
    const source = body ? Readable.fromWeb(body as WebReadableStream<Uint8Array>) : Readable.from([]);
    await pipeline(source, count, createWriteStream(file, { flags: 'wx' }));
    const handle = await open(file, 'r');
    await handle.sync().finally(() => handle.close());
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  return { sha256: hash.digest('hex'), bytes, head };
}

/** Whether the first bytes are those of the kind's format: a JPEG start-of-image, or an MP4 `ftyp` box. */
export function looksLike(kind: 'snapshot' | 'clip', head: Buffer): boolean {
  if (kind === 'snapshot') return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  return head.length >= 8 && head.subarray(4, 8).toString('latin1') === 'ftyp';
}
