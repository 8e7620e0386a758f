import { rmSync, statSync } from 'node:fs';
const DROPPED = 'deleted on the box before upload: incident storage full';
const sizeOf = (path) => {
    try {
        return statSync(path).size;
    }
    catch {
        return 0;
    }
};
/**
 * Keeps the box's incident media within its limits. Media the cloud already holds goes first: past
 * the age limit, then oldest first while over the byte budget. Only when that is not enough (the link
 * has been down for long) are files the cloud lacks deleted, oldest first, clips before snapshots
 * (a snapshot is small and shows most); the cloud keeps those incidents without them.
 */
export function enforceIncidentRetention(store, limits, logger, now = Date.now()) {
    const uploaded = store.uploadedMedia().map((m) => ({ ...m, bytes: m.paths.reduce((sum, p) => sum + sizeOf(p), 0) }));
    const awaiting = store.mediaAwaitingUpload().map((m) => ({ ...m, files: m.files.map((f) => ({ ...f, bytes: sizeOf(f.path) })) }));
    // an item's other files (objects' pictures, later clip parts) count against the same budget
    const extra = store.extraFiles().map((f) => ({ ...f, bytes: sizeOf(f.path) }));
    let total = uploaded.reduce((sum, m) => sum + m.bytes, 0) + awaiting.reduce((sum, m) => sum + m.files.reduce((s, f) => s + f.bytes, 0), 0) + extra.reduce((sum, f) => sum + f.bytes, 0);
    let deleted = 0;
    for (const file of extra.filter((f) => f.uploaded)) {
        if (file.createdAt >= now - limits.maxAgeMs && total <= limits.maxBytes)
            break;
        rmSync(file.path, { force: true });
        store.forgetExtraFile(file.incidentId, file.ref);
        total -= file.bytes;
        deleted++;
    }
    for (const media of uploaded) {
        if (media.createdAt >= now - limits.maxAgeMs && total <= limits.maxBytes)
            break;
        for (const path of media.paths)
            rmSync(path, { force: true });
        store.forgetMedia(media.id);
        total -= media.bytes;
        deleted++;
    }
    // an incident half uploaded: the file the cloud has goes before any file it lacks
    for (const media of awaiting) {
        for (const file of media.files.filter((f) => f.uploaded)) {
            if (total <= limits.maxBytes)
                break;
            rmSync(file.path, { force: true });
            store.forgetFile(media.id, file.kind);
            total -= file.bytes;
            deleted++;
        }
    }
    let dropped = 0;
    for (const kind of ['clip', 'snapshot']) {
        for (const file of extra.filter((f) => !f.uploaded && f.kind === kind)) {
            if (total <= limits.maxBytes)
                break;
            rmSync(file.path, { force: true });
            store.forgetExtraFile(file.incidentId, file.ref, DROPPED);
            total -= file.bytes;
            dropped++;
        }
        for (const media of awaiting) {
            if (total <= limits.maxBytes)
                break;
            const file = media.files.find((f) => f.kind === kind && !f.uploaded);
            if (!file)
                continue;
            rmSync(file.path, { force: true });
            store.abandonUpload(media.id, kind, DROPPED);
            total -= file.bytes;
            dropped++;
        }
    }
    if (deleted)
        logger.info({ deleted, bytesKept: total }, 'incident media the cloud holds was deleted from the box');
    if (dropped)
        logger.error({ dropped, bytesKept: total, maxBytes: limits.maxBytes }, 'incident storage full: media the cloud never received was deleted');
    return { deleted, dropped, bytesKept: total };
}
//# sourceMappingURL=retention.js.map