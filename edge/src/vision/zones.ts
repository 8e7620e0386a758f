import { assertPolygon, footPoint, pointInPolygon, type Box, type Polygon } from './geometry.js';
import type { Track } from './tracker.js';

export interface Zone {
  id: string;
  /** Normalised polygon; an object is in the zone when the bottom-centre of its box is. */
  polygon: Polygon;
  /** Consecutive observations in (or out) before an object enters (or leaves); default 3. */
  inertia?: number;
}

interface Presence {
  inside: boolean;
  /** Consecutive observations contradicting `inside`. */
  streak: number;
  /** When the current (or coming) stay began: the first observation of the streak that entered. */
  sinceMs: number;
}

/** Which tracked objects are in which zones, with inertia so a box jittering on the edge does not flicker. */
export class ZonePresence {
  private readonly presence = new Map<number, Map<string, Presence>>();

  constructor(readonly zones: readonly Zone[]) {
    zones.forEach((z) => assertPolygon(z.polygon, `zone ${z.id}`));
  }

  /** Feeds the tracks observed in this frame (not those merely remembered) with the frame size. */
  update(observed: readonly Track[], frameWidth: number, frameHeight: number, timeMs: number): void {
    for (const track of observed) {
      const [x, y] = footPoint(track.box, frameWidth, frameHeight);
      let zones = this.presence.get(track.id);
      if (!zones) this.presence.set(track.id, (zones = new Map()));
      for (const zone of this.zones) {
        const inside = pointInPolygon(x, y, zone.polygon);
        let p = zones.get(zone.id);
        if (!p) {
          if (!inside) continue;
          zones.set(zone.id, (p = { inside: false, streak: 0, sinceMs: timeMs }));
        }
        if (inside === p.inside) {
          p.streak = 0;
          continue;
        }
        if (p.streak === 0 && inside) p.sinceMs = timeMs;
        if (++p.streak >= (zone.inertia ?? 3)) {
          p.inside = inside;
          p.streak = 0;
        }
      }
    }
  }

  /** Since when the track has been in the zone (ms since the epoch), or undefined when it is not in it. */
  enteredAt(trackId: number, zoneId: string): number | undefined {
    const p = this.presence.get(trackId)?.get(zoneId);
    return p?.inside ? p.sinceMs : undefined;
  }

  /** Drops what is known of an ended track. */
  forget(trackId: number): void {
    this.presence.delete(trackId);
  }
}

/** Whether an object mask hides this box: masks test where the object stands, the bottom-centre. */
export function isMasked(box: Box, frameWidth: number, frameHeight: number, masks: readonly Polygon[]): boolean {
  if (masks.length === 0) return false;
  const [x, y] = footPoint(box, frameWidth, frameHeight);
  return masks.some((m) => pointInPolygon(x, y, m));
}
