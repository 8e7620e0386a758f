import { assertPolygon, footPoint, pointInPolygon } from './geometry.js';
/** Which tracked objects are in which zones, with inertia so a box jittering on the edge does not flicker. */
export class ZonePresence {
    zones;
    presence = new Map();
    constructor(zones) {
        this.zones = zones;
        zones.forEach((z) => assertPolygon(z.polygon, `zone ${z.id}`));
    }
    /** Feeds the tracks observed in this frame (not those merely remembered) with the frame size. */
    update(observed, frameWidth, frameHeight, timeMs) {
        for (const track of observed) {
            const [x, y] = footPoint(track.box, frameWidth, frameHeight);
            let zones = this.presence.get(track.id);
            if (!zones)
                this.presence.set(track.id, (zones = new Map()));
            for (const zone of this.zones) {
                const inside = pointInPolygon(x, y, zone.polygon);
                let p = zones.get(zone.id);
                if (!p) {
                    if (!inside)
                        continue;
                    zones.set(zone.id, (p = { inside: false, streak: 0, sinceMs: timeMs }));
                }
                if (inside === p.inside) {
                    p.streak = 0;
                    continue;
                }
                if (p.streak === 0 && inside)
                    p.sinceMs = timeMs;
                if (++p.streak >= (zone.inertia ?? 3)) {
                    p.inside = inside;
                    p.streak = 0;
                }
            }
        }
    }
    /** Since when the track has been in the zone (ms since the epoch), or undefined when it is not in it. */
    enteredAt(trackId, zoneId) {
        const p = this.presence.get(trackId)?.get(zoneId);
        return p?.inside ? p.sinceMs : undefined;
    }
    /** Drops what is known of an ended track. */
    forget(trackId) {
        this.presence.delete(trackId);
    }
}
/** Whether an object mask hides this box: masks test where the object stands, the bottom-centre. */
export function isMasked(box, frameWidth, frameHeight, masks) {
    if (masks.length === 0)
        return false;
    const [x, y] = footPoint(box, frameWidth, frameHeight);
    return masks.some((m) => pointInPolygon(x, y, m));
}
//# sourceMappingURL=zones.js.map