import { execFile } from 'node:child_process';
import { rename, rm, stat } from 'node:fs/promises';
import { FOOTAGE_LABEL, FOOTAGE_RULE_ID, } from '@smart-commune/shared';
import { countChildProcess } from '../child-processes.js';
import { missingParts, writeClip } from '../vision/recording/clip.js';
import { hashFile } from '../vision/recording/hash-file.js';
import { listSegments } from '../vision/recording/segment-ring.js';
/** A range still being recorded is waited for at most this long past its end. */
const COVER_GRACE_MS = 30_000;
/**
 * Answers footage requests (the `footage` document): each range is cut from what the box holds with
 * writeClip (no re-encoding), becomes an evidence item through the incidents path (the clip hashed
 * here, uploaded and verified like any incident clip), and `events/footage` tells the cloud which
 * item it is, or which part of the range the box does not hold. A request is answered once: the
 * answer is stored, so the document sent again (reconnect, restart) does not cut it twice.
 */
export class EdgeFootage {
    deps;
    answeredStmt;
    markStmt;
    busy = new Set();
    queue = Promise.resolve();
    constructor(deps) {
        this.deps = deps;
        this.answeredStmt = deps.db.prepare('SELECT 1 FROM footage_answered WHERE id = ?');
        this.markStmt = deps.db.prepare('INSERT OR IGNORE INTO footage_answered (id, incident_id, answered_at) VALUES (?, ?, ?)');
    }
    /** Takes the document's requests; the work goes on in the background, one request after the other. */
    apply(body) {
        for (const request of body.requests) {
            if (this.busy.has(request.id) || this.answeredStmt.get(request.id))
                continue;
            this.busy.add(request.id);
            this.queue = this.queue
                .then(() => this.answer(request))
                .catch((err) => this.deps.logger.error({ requestId: request.id, err: err.message }, 'footage request could not be answered'))
                .finally(() => this.busy.delete(request.id));
        }
    }
    /** Resolves when the requests taken so far are answered. */
    settled() {
        return this.queue;
    }
    async answer(request) {
        const { cameraId, fromMs, toMs } = request;
        const recorder = this.deps.recorderOf(cameraId);
        if (recorder && toMs > Date.now())
            await recorder.waitUntilCovered(toMs, toMs - Date.now() + COVER_GRACE_MS).catch(() => undefined);
        const segments = listSegments(this.deps.recordingDir(cameraId));
        const held = segments.length ? { fromMs: segments[0].startMs, toMs: segments.at(-1).endMs } : null;
        const missing = missingParts(segments, fromMs, toMs);
        const covered = segments.some((s) => s.endMs > fromMs && s.startMs < toMs);
        if (!covered)
            return this.send(request, { outcome: 'unavailable', incidentId: null, missing, held });
        const view = { cameraId, segments: () => segments, waitUntilCovered: () => Promise.resolve() };
        const { incidentId, error } = await this.deps.evidence.record({ cameraId, ruleId: FOOTAGE_RULE_ID, label: FOOTAGE_LABEL, fromMs, toMs }, (outPath) => firstPicture(segments, fromMs, outPath), async (outPath) => {
            const { sha256, bytes, durationMs, startMs } = await writeClip(view, { fromMs, toMs, outPath, waitTimeoutMs: 0 });
            return { sha256, bytes, durationMs, startMs };
        });
        if (error)
            return this.send(request, { outcome: 'failed', incidentId, missing, held, error: error.message });
        return this.send(request, { outcome: missing.length ? 'partial' : 'done', incidentId, missing, held });
    }
    send(request, answer) {
        const event = { requestId: request.id, ...answer };
        this.deps.db.transaction(() => {
            this.markStmt.run(request.id, answer.incidentId, Date.now());
            this.deps.outbox.add('footage', event);
        })();
        this.deps.logger.info({ requestId: request.id, camera: request.cameraId, outcome: answer.outcome, incidentId: answer.incidentId, missing: answer.missing.length }, 'footage request answered');
    }
}
/** The picture at the start of the footage (the segment's keyframe and decoding up to it), as the item's snapshot. */
async function firstPicture(segments, fromMs, outPath) {
    const segment = segments.find((s) => s.endMs > fromMs) ?? segments[0];
    const offsetS = Math.max(0, (fromMs - segment.startMs) / 1000);
    const temp = `${outPath}.part.jpg`;
    countChildProcess('ffmpeg');
    await new Promise((resolve, reject) => execFile('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', segment.path, '-ss', offsetS.toFixed(3), '-frames:v', '1', '-q:v', '3', '-y', temp], { timeout: 30_000 }, (err, _out, stderr) => err ? reject(new Error(`ffmpeg could not take the footage's first picture: ${stderr.trim().split('\n').pop() ?? err.message}`)) : resolve()));
    try {
        const sha256 = await hashFile(temp);
        const { size } = await stat(temp);
        await rename(temp, outPath);
        return { sha256, bytes: size };
    }
    finally {
        await rm(temp, { force: true });
    }
}
//# sourceMappingURL=footage.js.map