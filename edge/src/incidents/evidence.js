import { join } from 'node:path';
import { newId } from '@smart-commune/shared';
import { dayDir } from './day-dir.js';
/** Evidence items that no rule raised: footage police asked for by time. */
export class EvidenceItems {
    deps;
    constructor(deps) {
        this.deps = deps;
    }
    /**
     * Evidence asked for by time (footage requests): one closed alert item of the whole range, with no
     * tracking behind it. It is reported at once with its picture, then again with its clip as its only
     * part (or without, and the reason, when the cut fails), through the same store, outbox and uploader
     * as any item, so the cloud verifies, reviews and exports it the same way.
     */
    async record(facts, picture, write) {
        const incidentId = newId('inc', 16);
        const dir = dayDir(this.deps.dir, facts.fromMs);
        const snapshotPath = join(dir, `${incidentId}.jpg`);
        const snapshot = await picture(snapshotPath).catch((err) => {
            this.deps.logger.error({ err, incidentId }, 'footage picture could not be written');
            return null;
        });
        const box = { x: 0, y: 0, width: 1, height: 1 };
        const body = (clip) => ({
            incidentId,
            cameraId: facts.cameraId,
            ruleId: facts.ruleId,
            zoneId: null,
            label: facts.label,
            score: 1,
            trackId: 0,
            startedAt: facts.fromMs,
            detectedAt: facts.fromMs,
            endedAt: clip ? clip.startMs + clip.durationMs : facts.toMs,
            box,
            snapshot,
            clip: clip ? { sha256: clip.sha256, bytes: clip.bytes, durationMs: clip.durationMs } : null,
            severity: 'alert',
            state: 'closed',
            continues: null,
            objects: [{ trackId: 0, label: facts.label, score: 1, zoneIds: [], ruleIds: [facts.ruleId], firstSeenAt: facts.fromMs, lastSeenAt: facts.toMs, box, snapshot }],
            timeline: [],
            clipParts: clip ? [clip] : [],
            flood: false,
        });
        const first = body(null);
        this.deps.db.transaction(() => {
            this.deps.store.insert(first, snapshot ? snapshotPath : null, 'recording');
            this.deps.outbox.add('incident', first, facts.fromMs);
        })();
        this.deps.uploader.wake();
        const clipPath = join(dir, `${incidentId}.mp4`);
        const written = await write(clipPath).then((file) => ({ file, error: null }), (err) => ({ file: null, error: err }));
        const part = written.file && { index: 0, startMs: written.file.startMs, durationMs: written.file.durationMs, sha256: written.file.sha256, bytes: written.file.bytes };
        const last = body(part);
        this.deps.db.transaction(() => {
            this.deps.store.saveItem(incidentId, last, part ? clipPath : null, part ? 'written' : 'none');
            this.deps.outbox.add('incident', last);
        })();
        this.deps.uploader.wake();
        return { incidentId, error: written.error };
    }
}
//# sourceMappingURL=evidence.js.map