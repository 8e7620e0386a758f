import { mkdirSync, readdirSync, rmdirSync, rmSync, statfsSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
const SEGMENT_NAME = /^(\d{13})-(\d{13})\.ts$/;
const DAY_DIR = /^\d{4}-\d{2}-\d{2}$/;
/** ffmpeg's segments while they are written, and clip workspaces: left over only by a crash. */
const LEFTOVER_NAME = /^(part-.*\.ts|\.clip-.*)$/;
/** Day directories follow the commune's calendar (UTC+7, no daylight saving). */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;
export const segmentName = (startMs, endMs) => `${startMs}-${endMs}.ts`;
export const recordingDay = (ms) => new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
/**
 * The finished segments in a camera's directory (both layouts), oldest first, read without touching
 * anything: for answering footage requests beside a live recorder, or for a camera not recording now.
 */
export function listSegments(dir) {
    const found = [];
    const scan = (d) => {
        for (const name of readdirSync(d)) {
            const times = SEGMENT_NAME.exec(name);
            if (times)
                found.push({ path: join(d, name), startMs: Number(times[1]), endMs: Number(times[2]), bytes: sizeOf(join(d, name)) });
        }
    };
    try {
        scan(dir);
        for (const name of readdirSync(dir))
            if (DAY_DIR.test(name))
                scan(join(dir, name));
    }
    catch (err) {
        if (err.code !== 'ENOENT')
            throw err;
    }
    return found.sort((a, b) => a.startMs - b.startMs);
}
/**
 * A camera's finished segments on disk, oldest first, bounded by age, bytes and the disk's free space.
 * The names carry the wall-clock times (`{startMs}-{endMs}.ts`), so a restarted daemon finds its ring again.
 */
export class SegmentRing {
    dir;
    logger;
    list = [];
    total = 0;
    limits;
    constructor(dir, limits, logger) {
        this.dir = dir;
        this.logger = logger;
        this.limits = limits;
        mkdirSync(dir, { recursive: true });
        this.scan(dir);
        for (const name of readdirSync(dir))
            if (DAY_DIR.test(name))
                this.scan(join(dir, name));
        this.evict(Date.now());
    }
    segments() {
        return this.list;
    }
    bytes() {
        return this.total;
    }
    /** New limits (the camera's mode or the box's budget changed): applied at once. */
    setLimits(limits, nowMs = Date.now()) {
        this.limits = limits;
        this.evict(nowMs);
    }
    /** Where a segment of these times belongs (its day directory is created when needed). */
    pathFor(startMs, endMs) {
        if (this.limits.layout !== 'days')
            return join(this.dir, segmentName(startMs, endMs));
        const day = join(this.dir, recordingDay(startMs));
        mkdirSync(day, { recursive: true });
        return join(day, segmentName(startMs, endMs));
    }
    add(segment, nowMs = Date.now()) {
        this.insert(segment);
        this.evict(nowMs);
    }
    scan(dir) {
        for (const name of readdirSync(dir)) {
            const times = SEGMENT_NAME.exec(name);
            if (times)
                this.insert({ path: join(dir, name), startMs: Number(times[1]), endMs: Number(times[2]), bytes: sizeOf(join(dir, name)) });
            else if (LEFTOVER_NAME.test(name))
                rmSync(join(dir, name), { recursive: true, force: true });
        }
    }
    insert(segment) {
        let i = this.list.length;
        while (i > 0 && this.list[i - 1].startMs > segment.startMs)
            i--;
        this.list.splice(i, 0, segment);
        this.total += segment.bytes;
    }
    evict(nowMs) {
        const oldestEndMs = nowMs - this.limits.maxMinutes * 60_000;
        let diskShort = this.diskShortBy();
        while (this.list.length > 0 && (this.total > this.limits.maxBytes || this.list[0].endMs < oldestEndMs || diskShort > 0)) {
            const gone = this.list.shift();
            this.total -= gone.bytes;
            diskShort -= gone.bytes;
            try {
                unlinkSync(gone.path);
            }
            catch (err) {
                if (err.code !== 'ENOENT')
                    this.logger.warn({ path: gone.path, err: err.message }, 'cannot delete an old segment');
            }
            this.removeEmptyDay(dirname(gone.path));
        }
    }
    /** Bytes missing to reach the free-space floor (≤ 0: none missing). */
    diskShortBy() {
        if (!this.limits.minFreeBytes)
            return 0;
        try {
            const fs = statfsSync(this.dir);
            return this.limits.minFreeBytes - fs.bavail * fs.bsize;
        }
        catch {
            return 0;
        }
    }
    removeEmptyDay(dir) {
        if (dir === this.dir || !DAY_DIR.test(basename(dir)))
            return;
        try {
            if (readdirSync(dir).length === 0)
                rmdirSync(dir);
        }
        catch {
            /* a clip workspace or a new segment appeared: kept */
        }
    }
}
function sizeOf(path) {
    try {
        return statSync(path).size;
    }
    catch {
        return 0;
    }
}
//# sourceMappingURL=segment-ring.js.map