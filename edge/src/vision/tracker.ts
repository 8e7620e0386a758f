import { containsPoint, iou, type Box } from './geometry.js';
import type { Detection } from './detector.js';

export interface TrackerOptions {
  /** Frames per second of what is fed in; sets the defaults below. */
  fps: number;
  /** Consecutive detections before an object counts (and is reported); default half the fps, at least 1. */
  minHits?: number;
  /** Frames looked at without seeing the object before it is dropped; default 5 x fps. */
  maxMissed?: number;
  /** The same for stationary objects, which passers-by hide for a while; default 20 x fps. */
  stationaryMaxMissed?: number;
  /** Farthest a detection's centre may be from where a track is predicted, in box sizes (√(w·h)), to match; default 1. */
  matchDistance?: number;
  /** An unmatched detection overlapping a box matched this frame this much is the same object again (a van seen as car and truck); default 0.5. */
  duplicateIou?: number;
  /** Seconds without significant movement before an object is stationary; default 10. */
  stationarySeconds?: number;
  /** Below this IoU with where it last stood, an object has moved; default 0.6. */
  movedIou?: number;
  /** Classes that may match each other, as a detector can hesitate between them; default car, truck and bus. */
  matchGroups?: readonly (readonly string[])[];
}

export interface Track {
  id: number;
  /** Label and class of the best detection so far. */
  label: string;
  classId: number;
  box: Box;
  score: number;
  bestScore: number;
  confirmed: boolean;
  stationary: boolean;
  firstSeenMs: number;
  lastSeenMs: number;
}

/** new: confirmed (once per track); stationary / moving: stopped for stationarySeconds / moved again; end: dropped. */
export interface TrackEvent {
  type: 'new' | 'stationary' | 'moving' | 'end';
  track: Track;
}

interface State extends Track {
  hits: number;
  missed: number;
  group: string;
  anchor: Box;
  movedMs: number;
  /** Velocity of the box centre, pixels per ms. */
  vx: number;
  vy: number;
}

const DEFAULT_GROUPS: readonly (readonly string[])[] = [['car', 'truck', 'bus']];

/**
 * Gives each object an id across frames: greedy matching within a class (or class group), nearest
 * first, of detections to where each track is predicted to be (constant velocity). Objects outside the areas the model looked at are neither
 * matched nor aged, so a parked car kept out of inference by motion gating is not lost.
 */
export class Tracker {
  private readonly states: State[] = [];
  private readonly groups = new Map<string, string>();
  private nextId = 1;
  private readonly minHits: number;
  private readonly maxMissed: number;
  private readonly stationaryMaxMissed: number;
  private readonly matchDistance: number;
  private readonly duplicateIou: number;
  private readonly stationaryMs: number;
  private readonly movedIou: number;

  constructor(options: TrackerOptions) {
    const { fps } = options;
    this.minHits = options.minHits ?? Math.max(1, Math.round(fps / 2));
    this.maxMissed = options.maxMissed ?? Math.round(5 * fps);
    this.stationaryMaxMissed = options.stationaryMaxMissed ?? Math.round(20 * fps);
    this.matchDistance = options.matchDistance ?? 1;
    this.duplicateIou = options.duplicateIou ?? 0.5;
    this.stationaryMs = (options.stationarySeconds ?? 10) * 1000;
    this.movedIou = options.movedIou ?? 0.6;
    for (const group of options.matchGroups ?? DEFAULT_GROUPS) for (const label of group) this.groups.set(label, group.join('+'));
  }

  /** Tracks being followed (confirmed or not), as they are now. */
  get tracks(): readonly Track[] {
    return this.states;
  }

  /**
   * Feeds the detections of one frame. `looked` lists where the model ran (the whole frame or
   * regions); tracks outside them are left alone. Returns what changed, as snapshots.
   */
  update(detections: readonly Detection[], timeMs: number, looked: readonly Box[]): TrackEvent[] {
    const events: TrackEvent[] = [];
    const matched = new Set<State>();
    const used = new Set<Detection>();
    const pairs: Array<{ state: State; detection: Detection; distance: number }> = [];
    for (const state of this.states) {
      const dt = timeMs - state.lastSeenMs;
      const cx = state.box.x + state.box.width / 2 + state.vx * dt;
      const cy = state.box.y + state.box.height / 2 + state.vy * dt;
      const size = Math.sqrt(state.box.width * state.box.height);
      for (const d of detections) {
        if (this.groupOf(d.label) !== state.group) continue;
        const distance = Math.hypot(d.box.x + d.box.width / 2 - cx, d.box.y + d.box.height / 2 - cy) / size;
        if (distance <= this.matchDistance) pairs.push({ state, detection: d, distance });
      }
    }
    pairs.sort((a, b) => a.distance - b.distance);
    for (const { state, detection } of pairs) {
      if (matched.has(state) || used.has(detection)) continue;
      matched.add(state);
      used.add(detection);
      this.hit(state, detection, timeMs, events);
    }
    for (const d of detections) {
      if (used.has(d)) continue;
      const group = this.groupOf(d.label);
      if ([...matched].some((s) => s.group === group && iou(s.box, d.box) >= this.duplicateIou)) continue;
      const state = this.create(d, timeMs, group);
      matched.add(state);
      if (state.confirmed) events.push({ type: 'new', track: snapshot(state) });
    }
    let kept = 0;
    for (const state of this.states) {
      if (!matched.has(state) && this.isLookedAt(state, looked)) {
        state.hits = 0;
        state.missed++;
        if (!state.confirmed || state.missed > (state.stationary ? this.stationaryMaxMissed : this.maxMissed)) {
          if (state.confirmed) events.push({ type: 'end', track: snapshot(state) });
          continue;
        }
      }
      this.states[kept++] = state;
    }
    this.states.length = kept;
    return events;
  }

  private hit(state: State, d: Detection, timeMs: number, events: TrackEvent[]): void {
    const dt = timeMs - state.lastSeenMs;
    if (dt > 0) {
      const vx = (d.box.x + d.box.width / 2 - (state.box.x + state.box.width / 2)) / dt;
      const vy = (d.box.y + d.box.height / 2 - (state.box.y + state.box.height / 2)) / dt;
      state.vx = (state.vx + vx) / 2;
      state.vy = (state.vy + vy) / 2;
    }
    state.box = d.box;
    state.score = d.score;
    if (d.score > state.bestScore) {
      state.bestScore = d.score;
      state.label = d.label;
      state.classId = d.classId;
    }
    state.lastSeenMs = timeMs;
    state.hits++;
    state.missed = 0;
    if (!state.confirmed && state.hits >= this.minHits) {
      state.confirmed = true;
      events.push({ type: 'new', track: snapshot(state) });
    }
    if (iou(d.box, state.anchor) < this.movedIou) {
      state.anchor = d.box;
      state.movedMs = timeMs;
      if (state.stationary) {
        state.stationary = false;
        events.push({ type: 'moving', track: snapshot(state) });
      }
    } else if (!state.stationary && state.confirmed && timeMs - state.movedMs >= this.stationaryMs) {
      state.stationary = true;
      events.push({ type: 'stationary', track: snapshot(state) });
    }
  }

  private create(d: Detection, timeMs: number, group: string): State {
    const state: State = {
      id: this.nextId++,
      label: d.label,
      classId: d.classId,
      box: d.box,
      score: d.score,
      bestScore: d.score,
      confirmed: this.minHits <= 1,
      stationary: false,
      firstSeenMs: timeMs,
      lastSeenMs: timeMs,
      hits: 1,
      missed: 0,
      group,
      anchor: d.box,
      movedMs: timeMs,
      vx: 0,
      vy: 0,
    };
    this.states.push(state);
    return state;
  }

  private isLookedAt(state: State, looked: readonly Box[]): boolean {
    const cx = state.box.x + state.box.width / 2;
    const cy = state.box.y + state.box.height / 2;
    return looked.some((region) => containsPoint(region, cx, cy));
  }

  private groupOf(label: string): string {
    return this.groups.get(label) ?? label;
  }
}

function snapshot(state: State): Track {
  const { id, label, classId, box, score, bestScore, confirmed, stationary, firstSeenMs, lastSeenMs } = state;
  return { id, label, classId, box: { ...box }, score, bestScore, confirmed, stationary, firstSeenMs, lastSeenMs };
}
