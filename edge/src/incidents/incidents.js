import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '@smart-commune/shared';
import { dayDir } from './day-dir.js';
import { ReviewGrouper } from './review-grouper.js';
const DEFAULT_TIMING = { firstPartMs: 10_000, partEveryMs: 30_000, tickMs: 1000, now: Date.now };
/**
 * Turns a camera's rule hits into review items (see ReviewGrouper) and reports them: the main object's
 * picture and the item go into the store and the outbox in one transaction when it opens; every change
 * (an object joins with its picture, one leaves, a clip part is written, it closes) is sent again under
 * the same incidentId. The clip is cut from the ring in parts while the item lasts, the last after the close.
 */
export class EdgeIncidents {
    deps;
    cameras = new Map();
    live = new Map();
    /** incidentId by camera and grouper number, for `continues`. */
    ids = new Map();
    work = new Set();
    timing;
    timer = null;
    /** After close, parts that finish late are left for recoverInterrupted at the next start. */
    closed = false;
    constructor(deps) {
        this.deps = deps;
        this.timing = { ...DEFAULT_TIMING, ...deps.timing };
    }
    get store() {
        return this.deps.store;
    }
    /** Looks at open items every tick (closing, parts). */
    start() {
        this.timer ??= setInterval(() => this.tick(), this.timing.tickMs);
        this.timer.unref();
    }
    /**
     * Items that were open (or cutting their last part) when the box stopped are closed as they are,
     * at their last activity, with the parts already written: nothing is lost, and the cloud learns they ended.
     */
    recoverInterrupted() {
        const interrupted = this.store.recording();
        for (const incident of interrupted) {
            const body = incident.body;
            const lastSeen = Math.max(body.detectedAt, ...(body.objects ?? []).map((o) => o.lastSeenAt));
            const lastPart = (body.clipParts ?? []).at(-1);
            const endedAt = body.endedAt ?? (lastPart ? Math.max(lastSeen, lastPart.startMs + lastPart.durationMs) : lastSeen);
            const closed = { ...body, state: 'closed', endedAt };
            this.deps.db.transaction(() => {
                this.store.saveItem(incident.id, closed, null, incident.clipPath ? 'written' : 'none');
                this.deps.outbox.add('incident', closed);
            })();
            this.deps.logger.warn({ incidentId: incident.id }, 'an item open when the box stopped is reported closed with the clip parts it had');
        }
        return interrupted.length;
    }
    /** A rule matched an object: it opens the camera's item or joins it. */
    async hit(cameraId, hit) {
        const camera = this.camera(cameraId, hit.review);
        camera.clip = hit.clip;
        await this.apply(cameraId, camera.grouper.hit(hit.object), hit);
    }
    /** The tracker's news of an object on a camera: it stopped moving, moved again or is gone. */
    async track(cameraId, kind, trackId, timeMs) {
        const camera = this.cameras.get(cameraId);
        if (!camera)
            return;
        await this.apply(cameraId, camera.grouper.track(kind, trackId, timeMs), null);
        if (kind === 'end')
            camera.pictures.delete(trackId);
    }
    /** The camera's stream was reopened or stopped: the objects followed so far are gone (see ReviewGrouper.reset). */
    async streamReset(cameraId) {
        const camera = this.cameras.get(cameraId);
        if (!camera)
            return;
        await this.apply(cameraId, camera.grouper.reset(this.timing.now()), null);
        camera.pictures.clear();
    }
    /** The camera's flood warning, if it is over its items-per-hour limit, and its items of the last hour (telemetry). */
    activity(cameraId) {
        const grouper = this.cameras.get(cameraId)?.grouper;
        return { itemsLastHour: grouper?.itemsLastHour(this.timing.now()) ?? 0, flood: grouper?.floodState ?? null };
    }
    /** Closes items (quiet long enough or at their maximum), cuts parts due. Called by the timer; tests call it. */
    tick() {
        const now = this.timing.now();
        for (const [cameraId, camera] of this.cameras) {
            const changes = camera.grouper.tick(now);
            if (changes.length)
                this.track_(this.apply(cameraId, changes, null));
        }
        for (const live of this.live.values())
            if (!live.closing && live.clip && now >= live.nextPartAt && !live.cutting)
                this.cutPart(live, now, false);
    }
    /** Waits for parts being cut, at most `timeoutMs`; open items stay open in the store for recoverInterrupted. */
    async close(timeoutMs) {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
        let timer;
        await Promise.race([Promise.all(this.work), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
        clearTimeout(timer);
        this.closed = true;
    }
    /** Settles what is in flight (tests). */
    async settled() {
        while (this.work.size)
            await Promise.all(this.work);
    }
    camera(cameraId, review) {
        let camera = this.cameras.get(cameraId);
        if (!camera) {
            const grouper = new ReviewGrouper(cameraId, review);
            grouper.onFlood = (flood) => this.deps.logger.warn({ camera: cameraId, itemsLastHour: flood.itemsLastHour, limit: flood.limit, fix: flood.suggestion.fix, rule: flood.suggestion.ruleId }, `camera in flood warning: ${flood.suggestion.advice}`);
            this.cameras.set(cameraId, (camera = { grouper, clip: null, pictures: new Map() }));
        }
        else
            camera.grouper.configure(review);
        return camera;
    }
    async apply(cameraId, changes, hit) {
        for (const change of changes) {
            const key = `${cameraId}\n${change.item.seq}`;
            if (change.type === 'opened') {
                await this.opened(key, change.item, change.trackId, hit, this.cameras.get(cameraId)?.clip ?? null);
                // a continued item takes in the other objects still active, each with its picture
                const live = this.live.get(key);
                for (const o of change.item.objects)
                    if (!live.pictures.has(o.trackId))
                        live.pictures.set(o.trackId, await this.picture(live, o.trackId, null));
                if (change.item.objects.length > 1)
                    this.save(live);
            }
            else {
                const live = this.live.get(key);
                if (!live)
                    continue;
                if (change.type === 'joined') {
                    live.pictures.set(change.trackId, await this.picture(live, change.trackId, hit));
                    this.save(live);
                }
                else if (change.type === 'updated')
                    this.save(live);
                else
                    this.closing(key, live);
            }
        }
    }
    async opened(key, item, trackId, hit, clip) {
        const incidentId = newId('inc', 16);
        this.ids.set(key, incidentId);
        const continuesId = item.continues === null ? null : (this.ids.get(`${item.cameraId}\n${item.continues}`) ?? null);
        const dir = this.dayDir(item.detectedAt);
        const snapshotPath = join(dir, `${incidentId}.jpg`);
        const snapshot = await this.objectPicture(item.cameraId, trackId, hit, snapshotPath, incidentId);
        const live = {
            incidentId,
            continuesId,
            item,
            snapshot,
            pictures: new Map([[trackId, snapshot]]),
            parts: [],
            partFrom: null,
            nextPartAt: item.detectedAt + this.timing.firstPartMs,
            clip,
            cutting: null,
            closing: false,
        };
        this.live.set(key, live);
        const body = this.body(live);
        this.deps.db.transaction(() => {
            this.store.insert(body, snapshot ? snapshotPath : null, 'recording');
            this.deps.outbox.add('incident', body, item.detectedAt);
        })();
        this.deps.uploader.wake();
        this.deps.logger.info({ incidentId, camera: item.cameraId, rule: item.main.ruleId, severity: item.severity, continues: continuesId, flood: item.flood }, 'incident opened');
    }
    /** A joining object's best picture, an item file of its own. */
    async picture(live, trackId, hit) {
        const path = join(this.dayDir(live.item.detectedAt), `${live.incidentId}-o${trackId}.jpg`);
        const file = await this.objectPicture(live.item.cameraId, trackId, hit, path, live.incidentId);
        if (file)
            this.store.addFile(live.incidentId, { trackId }, 'snapshot', path, file);
        return file;
    }
    /**
     * An object's best picture at `path`: rendered from the hit, or (an object that joins without a hit:
     * it moved again, or the item continues one that reached its maximum) a copy of the one written for
     * it before, so each item owns its files.
     */
    async objectPicture(cameraId, trackId, hit, path, incidentId) {
        const pictures = this.cameras.get(cameraId)?.pictures;
        if (hit && hit.object.trackId === trackId) {
            const file = await this.render(hit, path, incidentId);
            if (file)
                pictures?.set(trackId, { path, file });
            return file;
        }
        const before = pictures?.get(trackId);
        if (!before)
            return null;
        try {
            copyFileSync(before.path, path);
            return before.file;
        }
        catch {
            return null; // deleted by retention meanwhile
        }
    }
    async render(hit, path, incidentId) {
        return hit.picture(path).catch((err) => {
            this.deps.logger.error({ err, incidentId }, 'incident picture could not be written');
            return null;
        });
    }
    /** The grouper closed the item: its last part covers up to the post-capture after the last activity. */
    closing(key, live) {
        live.closing = true;
        if (!live.clip)
            return this.finish(key, live);
        const previous = live.cutting ?? Promise.resolve();
        this.track_(previous.then(() => this.cutPart(live, live.item.lastActivityAt + live.clip.postCaptureSeconds * 1000, true)).then(() => this.finish(key, live)));
    }
    finish(key, live) {
        this.live.delete(key);
        if (this.closed)
            return;
        this.save(live, true);
        this.deps.logger.info({ incidentId: live.incidentId, objects: live.item.objects.length, parts: live.parts.length }, 'incident closed');
    }
    /** Cuts [end of the last part (or pre-capture before the first object), toMs] from the ring. */
    cutPart(live, toMs, last) {
        const plan = live.clip;
        const fromMs = live.partFrom ?? live.item.startedAt - plan.preCaptureSeconds * 1000;
        live.nextPartAt = toMs + this.timing.partEveryMs;
        if (toMs - fromMs < 1000 || live.parts.length >= 128)
            return Promise.resolve();
        const index = live.parts.length;
        const path = join(this.dayDir(live.item.detectedAt), `${live.incidentId}-p${index}.mp4`);
        const work = plan.write(fromMs, toMs, path).then((written) => {
            if (written.durationMs <= 0)
                throw new Error(`clip part ${index} of ${live.incidentId} came out empty`);
            const part = { index, startMs: written.startMs, durationMs: written.durationMs, sha256: written.sha256, bytes: written.bytes };
            live.parts.push(part);
            live.partFrom = written.startMs + written.durationMs;
            if (this.closed)
                return;
            // the first part is the item's clip (the old upload path); later ones are files of their own
            if (index > 0)
                this.store.addFile(live.incidentId, { part: index }, 'clip', path, written);
            this.save(live, false, index === 0 ? path : null);
        }, (err) => {
            live.partFrom = toMs; // that stretch is not in the ring: the next part starts after it
            this.deps.logger.warn({ incidentId: live.incidentId, index, last, err: err.message }, 'clip part could not be cut');
        });
        live.cutting = work.finally(() => (live.cutting = null));
        this.track_(live.cutting);
        return live.cutting;
    }
    /** Stores the item's current state and sends it. */
    save(live, closed = false, clipPath = null) {
        if (this.closed)
            return;
        const body = this.body(live, closed);
        this.deps.db.transaction(() => {
            this.store.saveItem(live.incidentId, body, clipPath, closed ? (live.parts.length ? 'written' : 'none') : 'recording');
            this.deps.outbox.add('incident', body);
        })();
        this.deps.uploader.wake();
    }
    body(live, closed = false) {
        const { item } = live;
        const main = item.objects.find((o) => o.trackId === item.main.trackId) ?? item.objects[0];
        const first = live.parts[0];
        const lastPart = live.parts.at(-1);
        return {
            incidentId: live.incidentId,
            cameraId: item.cameraId,
            ruleId: item.main.ruleId,
            zoneId: item.main.zoneId,
            label: main.label,
            score: Math.min(1, main.score),
            trackId: main.trackId,
            startedAt: item.startedAt,
            detectedAt: item.detectedAt,
            endedAt: closed ? (lastPart ? lastPart.startMs + lastPart.durationMs : item.lastActivityAt) : null,
            box: main.box,
            snapshot: live.snapshot,
            clip: first ? { sha256: first.sha256, bytes: first.bytes, durationMs: first.durationMs } : null,
            severity: item.severity,
            state: closed ? 'closed' : 'open',
            continues: live.continuesId,
            objects: item.objects.map((o) => ({
                trackId: o.trackId,
                label: o.label,
                score: Math.min(1, o.score),
                zoneIds: o.zoneIds,
                ruleIds: o.ruleIds,
                firstSeenAt: o.firstSeenAt,
                lastSeenAt: o.lastSeenAt,
                box: o.box,
                snapshot: live.pictures.get(o.trackId) ?? null,
            })),
            timeline: item.timeline,
            clipParts: live.parts,
            flood: item.flood,
        };
    }
    track_(work) {
        const tracked = work.catch((err) => this.deps.logger.error({ err }, 'incident work failed'));
        this.work.add(tracked);
        void tracked.finally(() => this.work.delete(tracked));
    }
    dayDir(timeMs) {
        return dayDir(this.deps.dir, timeMs);
    }
}
//# sourceMappingURL=incidents.js.map