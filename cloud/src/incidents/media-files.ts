import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncidentMediaKind } from '@smart-commune/shared';

const EXTENSION: Record<IncidentMediaKind, string> = { snapshot: 'jpg', clip: 'mp4' };

/**
 * Incident files stored once per content at `<dir>/<first 2 hex>/<sha256>.<jpg|mp4>`: two incidents
 * with the same bytes share one file, which is deleted only when no incident names it any more.
 */
export class MediaFiles {
  private readonly tempDir: string;

  constructor(private readonly dir: string) {
    this.tempDir = join(dir, 'tmp');
    mkdirSync(this.tempDir, { recursive: true });
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
    await rename(tempFile, this.path(sha256, kind));
    return 'stored';
  }

  async remove(sha256: string): Promise<void> {
    await Promise.all((Object.keys(EXTENSION) as IncidentMediaKind[]).map((kind) => rm(this.path(sha256, kind), { force: true })));
  }

  /** Leftovers of uploads interrupted by a crash. */
  async clearTemp(): Promise<void> {
    await rm(this.tempDir, { recursive: true, force: true });
    await mkdir(this.tempDir, { recursive: true });
  }
}
