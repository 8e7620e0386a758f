/**
 * Keeps, per live track, the frame where it scored best so far (what an incident's snapshot shows,
 * as Frigate's best thumbnail). A frame is copied only when a track seen on it beats its own best,
 * once for all the tracks that did; the shot of a track that is gone (ended, or dropped before it
 * was ever confirmed) is let go at the next update.
 */
export class BestShots {
    shots = new Map();
    /** After the tracker has taken this frame's detections; `tracks` are all it still follows. */
    update(frame, tracks) {
        const live = new Set(tracks.map((t) => t.id));
        for (const id of this.shots.keys())
            if (!live.has(id))
                this.shots.delete(id);
        let copy;
        for (const track of tracks) {
            if (track.lastSeenMs !== frame.timeMs || track.score < track.bestScore)
                continue;
            if ((this.shots.get(track.id)?.score ?? -1) >= track.score)
                continue;
            copy ??= { ...frame, data: Buffer.from(frame.data) };
            this.shots.set(track.id, { frame: copy, box: { ...track.box }, score: track.score });
        }
    }
    get(trackId) {
        return this.shots.get(trackId);
    }
    get size() {
        return this.shots.size;
    }
}
//# sourceMappingURL=best-shot.js.map