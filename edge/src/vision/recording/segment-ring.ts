import { mkdirSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';

/**
 * One finished piece of recording: MPEG-TS, video copied from the camera, times in ms since the epoch.
 * These facts are all a cut needs and are kept, never probed again: the times come from ffmpeg's
 * segment list, and every segment opens on a keyframe (the segment muxer cuts only there, and ffmpeg
 * drops a copied stream's packets before its first keyframe), so a clip can always start at a segment.
 */
export interface Segment {
  path: string;
  startMs: number;
  endMs: number;
  bytes: number;
}

export interface RingLimits {
  /** Segments that ended longer ago than this are deleted. */
  maxMinutes: number;
  /** The oldest segments are deleted while the ring holds more than this. */
  maxBytes: number;
}

const SEGMENT_NAME = /^(\d{13})-(\d{13})\.ts$/;
/** ffmpeg's segments while they are written, and clip workspaces: left over only by a crash. */
const LEFTOVER_NAME = /^(part-.*\.ts|\.clip-.*)$/;

export const segmentName = (startMs: number, endMs: number): string => `${startMs}-${endMs}.ts`;

/**
 * A camera's finished segments on disk, oldest first, bounded by age and bytes. The names carry the
 * wall-clock times (`{startMs}-{endMs}.ts`), so a restarted daemon finds its ring again.
 */
export class SegmentRing {
  private readonly list: Segment[] = [];
  private total = 0;

  constructor(
    readonly dir: string,
    private readonly limits: RingLimits,
    private readonly logger: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      const times = SEGMENT_NAME.exec(name);
      if (times) this.insert({ path: join(dir, name), startMs: Number(times[1]), endMs: Number(times[2]), bytes: sizeOf(join(dir, name)) });
      else if (LEFTOVER_NAME.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
    }
    this.evict(Date.now());
  }

  segments(): readonly Segment[] {
    return this.list;
  }

  bytes(): number {
    return this.total;
  }

  add(segment: Segment, nowMs = Date.now()): void {
    this.insert(segment);
    this.evict(nowMs);
  }

  private insert(segment: Segment): void {
    let i = this.list.length;
    while (i > 0 && this.list[i - 1]!.startMs > segment.startMs) i--;
    this.list.splice(i, 0, segment);
    this.total += segment.bytes;
  }

  private evict(nowMs: number): void {
    const oldestEndMs = nowMs - this.limits.maxMinutes * 60_000;
    while (this.list.length > 0 && (this.total > this.limits.maxBytes || this.list[0]!.endMs < oldestEndMs)) {
      const gone = this.list.shift()!;
      this.total -= gone.bytes;
      try {
        unlinkSync(gone.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ path: gone.path, err: (err as Error).message }, 'cannot delete an old segment');
      }
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
