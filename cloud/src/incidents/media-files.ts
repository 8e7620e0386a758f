import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncidentMediaKind } from '@smart-commune/shared';

const EXTENSION: Record<IncidentMediaKind, string> = { snapshot: 'jpg', clip: 'mp4' };

/**
 * Incident files stored once per content at `<dir>/<first 2 hex>/<sha256>.<jpg|mp4>`: two incidents
 * with the same bytes share one file, which is deleted only when no incident names it any more.
 * Counts the bytes it holds (read from disk once at start, then kept as files come and go), which
 * the byte budget (media-budget.ts) weighs against.
 */
export class MediaFiles {
  private readonly tempDir: string;
  private used = 0;

  constructor(readonly dir: string) {
    this.tempDir = join(dir, 'tmp');
    mkdirSync(this.tempDir, { recursive: true });
    this.used = storedBytes(dir);
  }

  /** Bytes of the stored files (uploads in progress not counted). */
  get usedBytes(): number {
    return this.used;
  }

  path(sha256: string, kind: IncidentMediaKind): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.${EXTENSION[kind]}`);
  }

  /** A fresh file name for an upload in progress (same file system, so adopting it is a rename). */
  tempPath(): string {
    return join(this.tempDir, `${randomUUID()}.part`);
  }

  async has(sha256: string, kind: IncidentMediaKind): Promise<boolean> {
    return stat(this.path(sha256, kind)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** Moves a verified upload into the store; when the content is already there the upload is dropped. */
  async adopt(tempFile: string, sha256: string, kind: IncidentMediaKind): Promise<'stored' | 'existed'> {
    if (await this.has(sha256, kind)) {
      await rm(tempFile, { force: true });
      return 'existed';
    }
    await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
    const { size } = await stat(tempFile);
    await rename(tempFile, this.path(sha256, kind));
    this.used += size;
    return 'stored';
  }

  /** Deletes the content's files; answers the bytes freed. */
  async remove(sha256: string): Promise<number> {
    const freed = await Promise.all(
      (Object.keys(EXTENSION) as IncidentMediaKind[]).map(async (kind) => {
        const path = this.path(sha256, kind);
        const size = await stat(path).then((s) => s.size, () => 0);
        await rm(path, { force: true });
        return size;
      }),
    );
    const bytes = freed.reduce((a, b) => a + b, 0);
    this.used = Math.max(0, this.used - bytes);
    return bytes;
  }

  /** Leftovers of uploads interrupted by a crash. */
  async clearTemp(): Promise<void> {
    await rm(this.tempDir, { recursive: true, force: true });
    await mkdir(this.tempDir, { recursive: true });
  }
}

/** Sum of the sizes of `<dir>/<xx>/<sha256>.<ext>` files: one pass at start (a few thousand stats). */
function storedBytes(dir: string): number {
  let total = 0;
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (!sub.isDirectory() || !/^[0-9a-f]{2}$/.test(sub.name)) continue;
    for (const file of readdirSync(join(dir, sub.name), { withFileTypes: true })) {
      if (file.isFile()) total += statSync(join(dir, sub.name, file.name)).size;
    }
  }
  return total;
}
