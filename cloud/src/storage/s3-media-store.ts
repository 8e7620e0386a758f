import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mapLimited } from '@smart-commune/shared/runtime';
import { PRIVATE_DIR } from '../private-files.js';
import { MEDIA_KINDS, mediaPath, parseMediaPath, type MediaKey, type MediaKind } from './media-key.js';
import { MediaHashMismatch, MediaNotFound, resolveRange, type ByteRange, type MediaRead, type MediaSource, type MediaStore, type PutResult } from './media-store.js';
import { removeStaleParts, spoolToFile } from './spool.js';

export interface S3Settings {
  /** http(s)://host:port of the S3 API (Garage, SeaweedFS, Ceph RGW, MinIO, AWS). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3MediaStoreOptions {
  /** Local folder where an upload is hashed before it is sent (the bucket only ever receives verified bytes). */
  spoolDir: string;
  /** Objects larger than this go up in parts of this size (S3 wants parts of 5 MiB or more, at most 10,000 of them). */
  partBytes?: number;
  /** Parts sent at once. */
  partConcurrency?: number;
}

const DEFAULT_PART_BYTES = 16 * 1024 * 1024;

/** HeadObject answers a bare 404 (no body to name the error); GetObject says NoSuchKey. */
function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Media in an S3-compatible bucket, under the same keys as on disk (`incidents/ab/ab12….jpg`). An
 * upload is first written to a local spool file and hashed; only verified bytes are sent, and a
 * PutObject or a completed multipart upload appears atomically, so the key never shows a partial
 * or wrong object.
 */
export class S3MediaStore implements MediaStore {
  readonly backend = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly partBytes: number;
  private readonly partConcurrency: number;

  constructor(
    settings: S3Settings,
    private readonly options: S3MediaStoreOptions,
  ) {
    this.bucket = settings.bucket;
    this.partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
    this.partConcurrency = options.partConcurrency ?? 4;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // bucket in the path, not the host name: Garage, SeaweedFS and Ceph RGW need no wildcard DNS then
      forcePathStyle: true,
      // the SDK's default CRC32 trailers (aws-chunked bodies) are refused by several S3-compatible
      // servers; integrity is ours anyway: every object is named by its verified sha256
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // the SDK waits forever by default: a server that does not answer must fail the upload, not hang it.
      // The idle limit is generous because a download's S3 socket pauses while a slow client catches up.
      requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
    });
  }

  async put(key: MediaKey, source: MediaSource, { maxBytes }: { maxBytes: number }): Promise<PutResult> {
    const objectKey = mediaPath(key);
    await mkdir(this.options.spoolDir, { recursive: true, mode: PRIVATE_DIR });
    const spool = join(this.options.spoolDir, `${randomUUID()}.part`);
    const { sha256, bytes } = await spoolToFile(source, spool, maxBytes);
    try {
      if (sha256 !== key.sha256) throw new MediaHashMismatch(key.sha256, sha256, bytes);
      if ((await this.head(key))?.size === bytes) return { key, bytes, created: false };
      // two puts of the same content at once both send it: the same bytes under the same key, whichever lands last
      if (bytes <= this.partBytes) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: createReadStream(spool), ContentLength: bytes }));
      } else {
        await this.putInParts(objectKey, spool, bytes);
      }
      return { key, bytes, created: true };
    } finally {
      await rm(spool, { force: true });
    }
  }

  private async putInParts(objectKey: string, file: string, bytes: number): Promise<void> {
    const target = { Bucket: this.bucket, Key: objectKey };
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(target));
    if (!UploadId) throw new Error(`the S3 server gave no upload id for ${objectKey}`);
    try {
      const numbers = Array.from({ length: Math.ceil(bytes / this.partBytes) }, (_, i) => i + 1);
      const parts = await mapLimited(numbers, this.partConcurrency, async (PartNumber) => {
        const start = (PartNumber - 1) * this.partBytes;
        const end = Math.min(start + this.partBytes, bytes) - 1;
        const Body = createReadStream(file, { start, end });
        const { ETag } = await this.client.send(new UploadPartCommand({ ...target, UploadId, PartNumber, Body, ContentLength: end - start + 1 }));
        return { ETag, PartNumber };
      });
      await this.client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      // the parts would otherwise be kept (and billed) until a lifecycle rule removes them
      await this.client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  async head(key: MediaKey): Promise<{ size: number } | null> {
    try {
      const { ContentLength } = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: mediaPath(key) }));
      return { size: ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async read(key: MediaKey, range?: ByteRange): Promise<MediaRead> {
    const objectKey = mediaPath(key);
    // a range is resolved against the size first: suffixes and past-the-end starts answer the same on every server
    let bounds: { size: number; start: number; end: number } | null = null;
    if (range) {
      const head = await this.head(key);
      if (!head) throw new MediaNotFound(objectKey);
      bounds = { size: head.size, ...resolveRange(range, head.size) };
    }
    try {
      const reply = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, ...(bounds ? { Range: `bytes=${bounds.start}-${bounds.end}` } : {}) }),
      );
      const body = reply.Body as Readable;
      if (bounds) return { body, ...bounds };
      const size = reply.ContentLength ?? 0;
      return { body, size, start: 0, end: size - 1 };
    } catch (err) {
      if (isMissing(err)) throw new MediaNotFound(objectKey);
      throw err;
    }
  }

  async delete(key: MediaKey): Promise<number> {
    const head = await this.head(key);
    if (!head) return 0;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: mediaPath(key) }));
    return head.size;
  }

  async *list(kind: MediaKind): AsyncIterable<{ key: MediaKey; size: number }> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${MEDIA_KINDS[kind].dir}/`, ContinuationToken }));
      for (const object of page.Contents ?? []) {
        const key = object.Key ? parseMediaPath(kind, object.Key) : null;
        if (key) yield { key, size: object.Size ?? 0 };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** The spool's leftovers; parts of multipart uploads left in the bucket are for its lifecycle rule (docs/operations.md). */
  removeStaleUploads(olderThanMs: number): Promise<number> {
    return removeStaleParts(this.options.spoolDir, olderThanMs);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
