import { statfsSync } from 'node:fs';

/** Below this much free space on the database's file system, the next write may find no page to grow into. */
export const MIN_FREE_BYTES = 8 * 1024 ** 2;
const RECHECK_MS = 1000;

/**
 * Whether the file system holding `dir` (the database's) is nearly full, read with statfs at most
 * once a second. The broker asks before acknowledging a box's QoS 1 message: one the database
 * could not store would be lost once acknowledged, while a refused one stays in the box's outbox.
 */
export class DiskSpace {
  private checkedAt = 0;
  private low = false;

  constructor(
    private readonly dir: string,
    private readonly minFreeBytes = MIN_FREE_BYTES,
  ) {}

  nearlyFull(now = Date.now()): boolean {
    if (now - this.checkedAt >= RECHECK_MS) {
      this.checkedAt = now;
      try {
        const fs = statfsSync(this.dir);
        this.low = fs.bavail * fs.bsize < this.minFreeBytes;
      } catch {
        this.low = false; // a statfs that fails says nothing about room; the writes will tell
      }
    }
    return this.low;
  }
}
