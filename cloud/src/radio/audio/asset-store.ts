import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Schema, type AudioAsset } from '@smart-commune/shared';
import type { QueryDatabase } from '../../db/query/index.js';
import { PRIVATE_DIR, PRIVATE_FILE } from '../../private-files.js';
import { extensionOf } from './audio-formats.js';

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Distribution-ready audio, stored once per content at `<dir>/<first 2 hex>/<sha256>.<ext>` and listed in audio_assets. */
export class AssetStore {
  constructor(
    private readonly q: QueryDatabase,
    private readonly dir: string,
  ) {}

  /** Copies `file` into the store (the caller keeps its file). The same content again returns the existing asset. */
  async put(file: string, mime: AudioAsset['mime'], durationMs: number): Promise<AudioAsset> {
    const { size } = await stat(file);
    if (size === 0) throw new Error(`refusing to store the empty file ${file}`);
    if (!(durationMs >= 1)) throw new Error(`an audio asset must last at least 1 ms, not ${durationMs}`);
    const sha256 = await sha256Of(file);
    const target = this.fileOf(sha256, mime);
    if (!(await stat(target).then((s) => s.size === size, () => false))) {
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true, mode: PRIVATE_DIR });
      const temp = `${target}.${randomUUID()}.tmp`;
      try {
        await copyFile(file, temp);
        await chmod(temp, PRIVATE_FILE); // a copy takes its source's mode
        const handle = await open(temp, 'r');
        await handle.sync().finally(() => handle.close());
        await rename(temp, target);
      } finally {
        await rm(temp, { force: true });
      }
    }
    // the same content stored by two requests (or two cloud processes) at once: one row, the first's;
    // the file is the same bytes whoever renamed it last
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

  /** Where a stored asset's file is; throws for an unknown one. */
  async path(sha256: string): Promise<string> {
    const asset = await this.get(sha256);
    if (!asset) throw new Error(`no audio asset ${sha256}`);
    return this.pathOf(asset);
  }

  /** Where an asset already read (a bulletin's) is, without asking the database again. */
  pathOf(asset: Pick<AudioAsset, 'sha256' | 'mime'>): string {
    return this.fileOf(asset.sha256, asset.mime);
  }

  private fileOf(sha256: string, mime: AudioAsset['mime']): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.${extensionOf(mime)}`);
  }
}
