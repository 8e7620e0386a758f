import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { sha256Schema, type AudioAsset } from '@smart-commune/shared';
import type { QueryDatabase } from '../../db/query/index.js';
import { PRIVATE_FILE } from '../../private-files.js';
import type { MediaKey } from '../../storage/media-key.js';
import type { ByteRange, MediaRead, MediaStore } from '../../storage/media-store.js';
import { extensionOf } from './audio-formats.js';

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Distribution-ready audio, stored once per content in the media store (`assets/<first 2 hex>/<sha256>.<ext>`,
 * on disk or in the bucket) and listed in audio_assets. The row is written only after the bytes are
 * stored and verified, so a listed asset can always be read, from any cloud process.
 */
export class AssetStore {
  constructor(
    private readonly q: QueryDatabase,
    readonly media: MediaStore,
  ) {}

  /**
   * Stores `file` (a job's output in a local work folder; the caller keeps it). The same content
   * again returns the existing asset, and writes the bytes back if they went missing.
   */
  async put(file: string, mime: AudioAsset['mime'], durationMs: number): Promise<AudioAsset> {
    const { size } = await stat(file);
    if (size === 0) throw new Error(`refusing to store the empty file ${file}`);
    if (!(durationMs >= 1)) throw new Error(`an audio asset must last at least 1 ms, not ${durationMs}`);
    // hashed here first: the store verifies the bytes against this name as it writes them
    const sha256 = await sha256Of(file);
    const key = this.keyOf({ sha256, mime });
    if ((await this.media.head(key))?.size !== size) await this.media.put(key, { file }, { maxBytes: size });
    // the same content stored by two requests (or two cloud processes) at once: one row, the first's
    await this.q.db
      .insertInto('audio_assets')
      .values({ sha256, bytes: size, duration_ms: Math.round(durationMs), mime, created_at: Date.now() })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
    const asset = await this.get(sha256);
    if (!asset) throw new Error(`audio asset ${sha256} vanished right after it was stored`);
    return asset;
  }

  async get(sha256: string): Promise<AudioAsset | null> {
    if (!sha256Schema.safeParse(sha256).success) return null;
    const row = await this.q.db.selectFrom('audio_assets').select(['sha256', 'bytes', 'duration_ms', 'mime']).where('sha256', '=', sha256).executeTakeFirst();
    return row ? { sha256: row.sha256, bytes: row.bytes, durationMs: row.duration_ms, mime: row.mime as AudioAsset['mime'] } : null;
  }

  /** The media store's key of an asset (its content hash and its format's extension). */
  keyOf(asset: Pick<AudioAsset, 'sha256' | 'mime'>): MediaKey {
    return { kind: 'audio', sha256: asset.sha256, ext: extensionOf(asset.mime) };
  }

  /** An asset's bytes, whole or a range (MediaNotFound when the store lost them). */
  read(asset: Pick<AudioAsset, 'sha256' | 'mime'>, range?: ByteRange): Promise<MediaRead> {
    return this.media.read(this.keyOf(asset), range);
  }

  /** Writes a stored asset to a local file, for tools that need one (ffmpeg, loudness checks); throws for an unknown asset. */
  async copyTo(sha256: string, file: string): Promise<AudioAsset> {
    const asset = await this.get(sha256);
    if (!asset) throw new Error(`no audio asset ${sha256}`);
    const { body } = await this.read(asset);
    await pipeline(body, createWriteStream(file, { mode: PRIVATE_FILE }));
    return asset;
  }
}
