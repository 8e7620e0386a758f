import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { PRIVATE_DIR } from '../private-files.js';
import { MEDIA_KINDS, mediaPath, parseMediaPath, TEMP_DIR, type MediaKey, type MediaKind } from './media-key.js';
import { MediaHashMismatch, MediaNotFound, resolveRange, type ByteRange, type MediaRead, type MediaSource, type MediaStore, type PutResult } from './media-store.js';
import { removeStaleParts, spoolToFile } from './spool.js';

const sizeOf = (path: string) => stat(path).then((s) => (s.isFile() ? s.size : null), () => null);
const isCode = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;

/**
 * Media under the cloud's data dir, in the layout the domains have always used (`assets/`,
 * `incidents/`, `reports/`; see media-key.ts), directories 0700 and files 0600.
 */
export class LocalMediaStore implements MediaStore {
  readonly backend = 'local' as const;

  constructor(readonly root: string) {}

  /** Where an object's file is (ffmpeg and evidence exports read files). */
  pathOf(key: MediaKey): string {
    return join(this.root, ...mediaPath(key).split('/'));
  }

  async put(key: MediaKey, source: MediaSource, { maxBytes }: { maxBytes: number }): Promise<PutResult> {
    const target = this.pathOf(key);
    const tempDir = join(this.root, MEDIA_KINDS[key.kind].dir, TEMP_DIR);
    await mkdir(tempDir, { recursive: true, mode: PRIVATE_DIR });
    const temp = join(tempDir, `${randomUUID()}.part`);
    const { sha256, bytes } = await spoolToFile(source, temp, maxBytes);
    try {
      if (sha256 !== key.sha256) throw new MediaHashMismatch(key.sha256, sha256, bytes);
      await mkdir(dirname(target), { recursive: true, mode: PRIVATE_DIR });
      // link() is atomic and refuses an existing name: of two puts of the same content exactly one creates it
      const created = await link(temp, target).then(
        () => true,
        (err: unknown) => {
          if (!isCode(err, 'EEXIST')) throw err;
          return false;
        },
      );
      // a file of another size under this name is not this content (hand-copied, cut short): replace it
      if (!created && (await sizeOf(target)) !== bytes) {
        await rename(temp, target);
        return { key, bytes, created: true };
      }
      return { key, bytes, created };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async head(key: MediaKey): Promise<{ size: number } | null> {
    const size = await sizeOf(this.pathOf(key));
    return size === null ? null : { size };
  }

  async read(key: MediaKey, range?: ByteRange): Promise<MediaRead> {
    const path = this.pathOf(key);
    // opened before its size is read: a delete in between cannot leave a size without bytes
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw isCode(err, 'ENOENT') ? new MediaNotFound(mediaPath(key)) : err;
    });
    try {
      const { size } = await handle.stat();
      const { start, end } = resolveRange(range, size);
      const body = size === 0 ? Readable.from([]) : handle.createReadStream({ start, end, autoClose: true });
      if (size === 0) await handle.close();
      return { body, size, start, end };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async delete(key: MediaKey): Promise<number> {
    const path = this.pathOf(key);
    const size = (await sizeOf(path)) ?? 0;
    await rm(path, { force: true });
    return size;
  }

  async *list(kind: MediaKind): AsyncIterable<{ key: MediaKey; size: number }> {
    const { dir, fanOut } = MEDIA_KINDS[kind];
    const folders = fanOut ? (await entries(join(this.root, dir))).filter((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name)).map((e) => `${dir}/${e.name}`) : [dir];
    for (const folder of folders) {
      for (const entry of await entries(join(this.root, folder))) {
        const key = entry.isFile() ? parseMediaPath(kind, `${folder}/${entry.name}`) : null;
        const size = key && (await sizeOf(join(this.root, folder, entry.name)));
        if (key && size !== null) yield { key, size };
      }
    }
  }

  async removeStaleUploads(olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const { dir } of Object.values(MEDIA_KINDS)) removed += await removeStaleParts(join(this.root, dir, TEMP_DIR), olderThanMs);
    return removed;
  }

  async close(): Promise<void> {}
}

/** A folder's entries; none when it does not exist yet (nothing of that kind stored). */
async function entries(path: string) {
  return readdir(path, { withFileTypes: true }).catch((err: unknown) => {
    if (isCode(err, 'ENOENT')) return [];
    throw err;
  });
}
