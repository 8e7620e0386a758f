/** `object:{trackId}` or `part:{index}`: the key of an item's other file. */
const refKey = (ref) => ('trackId' in ref ? `object:${ref.trackId}` : `part:${ref.part}`);
const parseRef = (key) => {
    const [what, n] = key.split(':');
    return what === 'object' ? { trackId: Number(n) } : { part: Number(n) };
};
const toIncident = (r) => ({
    id: r.id,
    cameraId: r.camera_id,
    body: JSON.parse(r.body),
    snapshotPath: r.snapshot_path,
    clipPath: r.clip_path,
    clipState: r.clip_state,
    createdAt: r.created_at,
});
/** The box's record of its incidents: what was reported, where the media is, what the cloud already has. */
export class IncidentStore {
    db;
    constructor(db) {
        this.db = db;
    }
    insert(body, snapshotPath, clipState, now = Date.now()) {
        this.db
            .prepare('INSERT INTO incidents (id, camera_id, body, snapshot_path, clip_state, created_at) VALUES (?, ?, ?, ?, ?, ?)')
            .run(body.incidentId, body.cameraId, JSON.stringify(body), snapshotPath, clipState, now);
    }
    get(id) {
        const row = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id);
        return row && toIncident(row);
    }
    /** The clip is written (or will never be): the new facts replace the old. */
    finishClip(id, body, clipPath) {
        this.db.prepare('UPDATE incidents SET body = ?, clip_path = ?, clip_state = ? WHERE id = ?').run(JSON.stringify(body), clipPath, clipPath ? 'written' : 'none', id);
    }
    /** An item's current state (it changed, or a clip part was written); its first part is `clipPath`. */
    saveItem(id, body, clipPath, clipState) {
        this.db.prepare('UPDATE incidents SET body = ?, clip_path = COALESCE(?, clip_path), clip_state = ? WHERE id = ?').run(JSON.stringify(body), clipPath, clipState, id);
    }
    /** A file of an item beyond its own snapshot and first part: an object's best picture or a later clip part. */
    addFile(id, ref, kind, path, file, now = Date.now()) {
        this.db
            .prepare('INSERT OR IGNORE INTO incident_files (incident_id, ref, kind, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
            .run(id, refKey(ref), kind, path, file.sha256, file.bytes, now);
    }
    /** Incidents whose post-capture was cut short (the daemon stopped or crashed meanwhile). */
    recording() {
        return this.db.prepare("SELECT * FROM incidents WHERE clip_state = 'recording'").all().map(toIncident);
    }
    pendingUploads(now, limit = 20) {
        const rows = this.db
            .prepare(`SELECT * FROM incidents WHERE next_upload_at <= ?
           AND ((snapshot_path IS NOT NULL AND snapshot_uploaded_at IS NULL) OR (clip_path IS NOT NULL AND clip_uploaded_at IS NULL))
         ORDER BY created_at LIMIT ?`)
            .all(now, limit);
        const fromIncidents = rows.flatMap((row) => {
            const { body } = toIncident(row);
            const uploads = [];
            if (row.snapshot_path && row.snapshot_uploaded_at === null && body.snapshot) {
                uploads.push({ incidentId: row.id, kind: 'snapshot', path: row.snapshot_path, file: body.snapshot });
            }
            if (row.clip_path && row.clip_uploaded_at === null && body.clip) {
                uploads.push({ incidentId: row.id, kind: 'clip', path: row.clip_path, file: body.clip });
            }
            return uploads;
        });
        const files = this.db
            .prepare('SELECT * FROM incident_files WHERE uploaded_at IS NULL AND path IS NOT NULL AND next_upload_at <= ? ORDER BY created_at LIMIT ?')
            .all(now, limit);
        return [...fromIncidents, ...files.map((f) => ({ incidentId: f.incident_id, kind: f.kind, ref: parseRef(f.ref), path: f.path, file: { sha256: f.sha256, bytes: f.bytes } }))].slice(0, limit);
    }
    markUploaded(id, kind, now = Date.now(), ref) {
        if (ref) {
            this.db.prepare('UPDATE incident_files SET uploaded_at = ?, upload_attempts = 0, upload_error = NULL WHERE incident_id = ? AND ref = ?').run(now, id, refKey(ref));
            return;
        }
        const column = kind === 'snapshot' ? 'snapshot_uploaded_at' : 'clip_uploaded_at';
        this.db.prepare(`UPDATE incidents SET ${column} = ?, upload_attempts = 0, upload_error = NULL WHERE id = ?`).run(now, id);
    }
    deferUpload(id, error, retryAt, ref) {
        if (ref) {
            this.db.prepare('UPDATE incident_files SET upload_attempts = upload_attempts + 1, upload_error = ?, next_upload_at = ? WHERE incident_id = ? AND ref = ?').run(error, retryAt, id, refKey(ref));
            return;
        }
        this.db.prepare('UPDATE incidents SET upload_attempts = upload_attempts + 1, upload_error = ?, next_upload_at = ? WHERE id = ?').run(error, retryAt, id);
    }
    /** The cloud is reachable again: every deferred upload may go now. */
    retryAllNow() {
        this.db.prepare('UPDATE incidents SET next_upload_at = 0 WHERE next_upload_at > 0').run();
        this.db.prepare('UPDATE incident_files SET next_upload_at = 0 WHERE next_upload_at > 0').run();
    }
    /** A file the cloud refused for good (it no longer matches its hash): it is not offered again. */
    abandonUpload(id, kind, error, ref) {
        if (ref) {
            this.db.prepare('UPDATE incident_files SET path = NULL, upload_error = ? WHERE incident_id = ? AND ref = ?').run(error, id, refKey(ref));
            return;
        }
        const column = kind === 'snapshot' ? 'snapshot_path' : 'clip_path';
        this.db.prepare(`UPDATE incidents SET ${column} = NULL, upload_error = ? WHERE id = ?`).run(error, id);
    }
    pendingCount() {
        return (Number(this.db
            .prepare('SELECT COUNT(*) FROM incidents WHERE (snapshot_path IS NOT NULL AND snapshot_uploaded_at IS NULL) OR (clip_path IS NOT NULL AND clip_uploaded_at IS NULL)')
            .pluck()
            .get()) + Number(this.db.prepare('SELECT COUNT(*) FROM incident_files WHERE path IS NOT NULL AND uploaded_at IS NULL').pluck().get()));
    }
    /**
     * An item's other files (objects' pictures, later parts) once the cloud has them, oldest first, and
     * those it lacks: what retention deletes first and last.
     */
    extraFiles() {
        const rows = this.db.prepare('SELECT * FROM incident_files WHERE path IS NOT NULL ORDER BY created_at').all();
        return rows.map((r) => ({ incidentId: r.incident_id, ref: parseRef(r.ref), kind: r.kind, path: r.path, uploaded: r.uploaded_at !== null, createdAt: r.created_at }));
    }
    /** One of an item's other files is gone from disk (deleted by retention); dropped before upload when `error` says why. */
    forgetExtraFile(id, ref, error) {
        this.db.prepare('UPDATE incident_files SET path = NULL, upload_error = COALESCE(?, upload_error) WHERE incident_id = ? AND ref = ?').run(error ?? null, id, refKey(ref));
    }
    /** Incidents all of whose media the cloud has, oldest first: what retention may delete. */
    uploadedMedia() {
        const rows = this.db
            .prepare(`SELECT id, created_at, snapshot_path, clip_path FROM incidents
         WHERE clip_state != 'recording' AND (snapshot_path IS NOT NULL OR clip_path IS NOT NULL)
           AND (snapshot_path IS NULL OR snapshot_uploaded_at IS NOT NULL) AND (clip_path IS NULL OR clip_uploaded_at IS NOT NULL)
         ORDER BY created_at`)
            .all();
        return rows.map((r) => ({ id: r.id, createdAt: r.created_at, paths: [r.snapshot_path, r.clip_path].filter((p) => p !== null) }));
    }
    /** Incidents with a file the cloud does not have yet (recording done), oldest first, each file with whether it was uploaded. */
    mediaAwaitingUpload() {
        const rows = this.db
            .prepare(`SELECT * FROM incidents WHERE clip_state != 'recording'
           AND ((snapshot_path IS NOT NULL AND snapshot_uploaded_at IS NULL) OR (clip_path IS NOT NULL AND clip_uploaded_at IS NULL))
         ORDER BY created_at`)
            .all();
        return rows.map((r) => ({
            id: r.id,
            createdAt: r.created_at,
            files: [
                ...(r.snapshot_path ? [{ kind: 'snapshot', path: r.snapshot_path, uploaded: r.snapshot_uploaded_at !== null }] : []),
                ...(r.clip_path ? [{ kind: 'clip', path: r.clip_path, uploaded: r.clip_uploaded_at !== null }] : []),
            ],
        }));
    }
    /** One file the cloud already has is gone from disk. */
    forgetFile(id, kind) {
        this.db.prepare(`UPDATE incidents SET ${kind === 'snapshot' ? 'snapshot_path' : 'clip_path'} = NULL WHERE id = ?`).run(id);
    }
    /** The media files are gone from disk; the record stays (the cloud keeps the evidence). */
    forgetMedia(id) {
        this.db.prepare('UPDATE incidents SET snapshot_path = NULL, clip_path = NULL WHERE id = ?').run(id);
    }
}
//# sourceMappingURL=incident-store.js.map