import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { countChildProcess } from '../../child-processes.js';
import { hashFile } from './hash-file.js';
/** The ring holds nothing of the asked window, or ffmpeg could not assemble it. */
export class ClipError extends Error {
    name = 'ClipError';
}
const COVER_GRACE_MS = 30_000;
/** Segments of one ffmpeg run touch within a few ms; a larger hole is missing recording. */
const GAP_TOLERANCE_MS = 250;
/**
 * Writes the recording of [fromMs, toMs] as an MP4 (faststart), copying the video without re-encoding.
 * The cut is planned from the facts the recorder kept for each segment (wall-clock start and end, and
 * that it begins on a keyframe), so it costs one ffmpeg run and no ffprobe: the covering segments are
 * concatenated (ffmpeg's concat demuxer) from the first one's opening keyframe; the frames between it
 * and `fromMs` are kept for decoding and hidden by an MP4 edit list (a negative output offset), and
 * `-t` ends the output at `toMs`. The file appears at `outPath` only when complete (atomic rename),
 * with its sha256 computed from the bytes on disk.
 */
export async function writeClip(recorder, request) {
    const { fromMs, toMs, outPath } = request;
    if (!(toMs > fromMs))
        throw new ClipError(`clip window is empty: ${fromMs}..${toMs}`);
    await recorder.waitUntilCovered(toMs, request.waitTimeoutMs ?? Math.max(0, toMs - Date.now()) + COVER_GRACE_MS).catch(() => undefined);
    const covering = recorder.segments().filter((s) => s.endMs > fromMs && s.startMs < toMs);
    if (covering.length === 0)
        throw new ClipError(`camera ${recorder.cameraId}: no recording between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}`);
    // hard links keep the segments readable even if the ring deletes them meanwhile
    const workspace = join(dirname(covering[0].path), `.clip-${randomUUID()}`);
    const temp = join(dirname(outPath), `.${basename(outPath)}.${randomUUID()}.part`);
    mkdirSync(workspace);
    try {
        const linked = linkSegments(covering, workspace);
        if (linked.length === 0)
            throw new ClipError(`camera ${recorder.cameraId}: the segments of the window were deleted before they could be read`);
        const plan = planCut(linked, fromMs, toMs);
        const list = join(workspace, 'list.ffconcat');
        writeFileSync(list, concatList(linked));
        mkdirSync(dirname(outPath), { recursive: true });
        await run('ffmpeg', [
            ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', list],
            ...['-map', '0:v', '-c', 'copy', '-t', plan.endS.toFixed(6), '-output_ts_offset', (-plan.prerollS).toFixed(6)],
            ...['-movflags', '+faststart', '-f', 'mp4', temp],
        ]);
        const sha256 = await hashFile(temp);
        const { size } = await stat(temp);
        await rename(temp, outPath);
        return { path: outPath, sha256, bytes: size, durationMs: plan.durationMs, startMs: plan.startMs, missing: missingParts(linked, fromMs, toMs) };
    }
    finally {
        rmSync(workspace, { recursive: true, force: true });
        await rm(temp, { force: true });
    }
}
/** Parts of [fromMs, toMs] no segment covers (before the ring, gaps between ffmpeg runs, after it). */
export function missingParts(segments, fromMs, toMs) {
    const missing = [];
    let cursor = fromMs;
    for (const s of segments) {
        if (s.endMs <= cursor || s.startMs >= toMs)
            continue;
        if (s.startMs - cursor > GAP_TOLERANCE_MS)
            missing.push({ fromMs: cursor, toMs: s.startMs });
        cursor = Math.max(cursor, s.endMs);
    }
    if (toMs - cursor > GAP_TOLERANCE_MS)
        missing.push({ fromMs: cursor, toMs });
    return missing;
}
function linkSegments(segments, workspace) {
    const linked = [];
    for (const segment of segments) {
        const link = join(workspace, basename(segment.path));
        try {
            linkSync(segment.path, link);
            linked.push({ ...segment, link });
        }
        catch (err) {
            if (err.code !== 'ENOENT')
                throw err;
        }
    }
    return linked;
}
/**
 * Wall-clock times → positions in the joined timeline. The concat demuxer plays the segments back to
 * back, so a gap between two of them (ffmpeg restarted) takes no time there: each segment's offset is
 * the sum of the durations before it.
 */
export function planCut(segments, fromMs, toMs) {
    const first = segments[0];
    const last = segments.at(-1);
    const prerollMs = clamp(fromMs - first.startMs, 0, first.endMs - first.startMs);
    let lastOffsetMs = 0;
    for (const s of segments.slice(0, -1))
        lastOffsetMs += s.endMs - s.startMs;
    const endMs = lastOffsetMs + clamp(toMs - last.startMs, 0, last.endMs - last.startMs);
    return { prerollS: prerollMs / 1000, endS: endMs / 1000, durationMs: Math.max(0, endMs - prerollMs), startMs: first.startMs + prerollMs };
}
function concatList(segments) {
    return `${['ffconcat version 1.0', ...segments.map((s) => `file '${basename(s.link)}'`)].join('\n')}\n`;
}
function run(cmd, args) {
    countChildProcess(cmd);
    return new Promise((resolve, reject) => {
        execFile(cmd, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err)
                reject(new ClipError(`${cmd} failed: ${(stderr.trim() || err.message).split('\n').slice(-3).join(' | ')}`));
            else
                resolve(stdout);
        });
    });
}
function clamp(value, min, max) {
    return Math.min(max, Math.max(min, value));
}
//# sourceMappingURL=clip.js.map