import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { IncidentMediaKind } from '@smart-commune/shared';
import { MediaSourceRefused } from '../storage/media-store.js';
import { looksLike } from './spool-upload.js';

/** Why an upload's bytes were refused while they streamed into the media store (nothing is stored). */
export class UploadRefused extends MediaSourceRefused {
  override name = 'UploadRefused';
  constructor(
    readonly status: 413 | 415 | 422,
    readonly code: 'too_large' | 'size_mismatch' | 'wrong_content',
    message: string,
  ) {
    super(message);
  }
}

const HEAD_BYTES = 16;

/**
 * A box's upload body as the media store's source, checked as it streams: at most `maxBytes`
 * (a box cannot fill the disk by lying about a size), exactly the `announced` bytes, and first bytes
 * of the kind's format. A failed check throws UploadRefused from inside the put, before the store
 * compares the hash, so a refused body is never made visible; the hash itself is the store's check.
 */
export async function* checkedUpload(body: ReadableStream<Uint8Array> | null, kind: IncidentMediaKind, announced: number, maxBytes: number): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  let head: Buffer | null = Buffer.alloc(0);
  const checkHead = (first: Buffer) => {
    if (!looksLike(kind, first)) throw new UploadRefused(415, 'wrong_content', `the body is not ${kind === 'snapshot' ? 'a JPEG image' : 'an MP4 video'}`);
  };
  const source: AsyncIterable<Buffer> = body ? Readable.fromWeb(body as WebReadableStream<Uint8Array>) : Readable.from([]);
  for await (const chunk of source) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw new UploadRefused(413, 'too_large', `the upload is larger than ${maxBytes} bytes`);
    if (bytes > announced) throw new UploadRefused(422, 'size_mismatch', `the body has more than the ${announced} bytes the metadata says`);
    if (head) {
      head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      if (head.length >= HEAD_BYTES) {
        checkHead(head);
        head = null;
      }
    }
    yield chunk;
  }
  if (head) checkHead(head);
  if (bytes !== announced) throw new UploadRefused(422, 'size_mismatch', `the body has ${bytes} bytes, the metadata says ${announced}`);
}
