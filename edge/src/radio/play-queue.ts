import type { RadioSettings } from '@smart-commune/shared';
import type { ItemPreparer } from './item-preparer.js';
import type { PlaybackJournal } from './journal.js';
import type { PlaybackReporter } from './playback-reporter.js';
import { alertIdOf, newEntry, rankOf, sourceKey, type Entry, type QueueItem } from './player-entry.js';
import { compareRanked, latenessLimitMs, type LatenessLimits } from './queue.js';

export interface PlayQueueDeps {
  journal: PlaybackJournal;
  reporter: PlaybackReporter;
  preparer: ItemPreparer;
  lateness: LatenessLimits;
  interruptedPolicy(): RadioSettings['interruptedPolicy'];
  /** The zones of an item that exist on this edge. */
  targetZones(e: Entry): string[];
  /** The occurrence playing now, if any. */
  playingId(): string | null;
}

/** What waits to play: admission of plan and ad-hoc items (each occurrence once), lateness limits, the next to start. */
export class PlayQueue {
  private readonly entries = new Map<string, Entry>();
  private seq = 0;

  constructor(private readonly deps: PlayQueueDeps) {}

  get size(): number {
    return this.entries.size;
  }

  all(): Entry[] {
    return [...this.entries.values()];
  }

  has(e: Entry): boolean {
    return this.entries.get(e.item.occurrenceId) === e;
  }

  newEntry(item: QueueItem, fromPlan: boolean): Entry {
    return newEntry(item, this.seq++, fromPlan);
  }

  /** Puts an entry (back) in the queue: an ad-hoc item, or an interrupted one to resume. */
  put(e: Entry): void {
    this.entries.set(e.item.occurrenceId, e);
  }

  /** Takes an entry out of the queue (it starts), keeping its audio. */
  take(e: Entry): void {
    this.entries.delete(e.item.occurrenceId);
  }

  /** Takes an entry out of the queue and lets go of its audio. */
  drop(e: Entry): void {
    this.deps.preparer.release(e);
    this.entries.delete(e.item.occurrenceId);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Plan entries no longer in the plan (nor alerts still on, nor items someone waits for) leave the queue. */
  dropStalePlanEntries(planIds: ReadonlySet<string>): void {
    for (const [id, e] of this.entries) {
      if (e.fromPlan && !planIds.has(id) && e.status === 'pending' && !e.listeners.length && !this.isAdhocAlert(e)) this.drop(e);
    }
  }

  /** Drops the waiting entries whose occurrence id starts with `prefix` (an alert's), but those in `keep`. */
  dropPrefixed(prefix: string, keep: ReadonlySet<string> | null): void {
    for (const e of this.all()) {
      if (e.item.occurrenceId.startsWith(prefix) && (keep === null || (!keep.has(e.item.occurrenceId) && e.status === 'pending'))) this.drop(e);
    }
  }

  admit(item: QueueItem, how: { fromPlan: boolean; now: number; missedReason: string | null }): void {
    const { journal, reporter } = this.deps;
    const id = item.occurrenceId;
    if (this.deps.playingId() === id) return;
    if (this.cancelledAlert(id)) return;
    const existing = this.entries.get(id);
    const rec = existing ? undefined : journal.occurrence(id);
    if (rec?.state === 'playing') {
      // it was playing when the edge died: where it stopped is unknown
      const entry = this.newEntry(item, how.fromPlan);
      entry.actualStartAt = rec.actualStartAt;
      reporter.finish(entry, 'interrupted', { reason: 'the edge stopped during playback; not resumed', zones: this.deps.targetZones(entry) });
      return;
    }
    if (rec?.state === 'suspended') {
      // interrupted before a restart: resumes from where it stopped (or is missed past its limit)
      const entry = this.newEntry(item, how.fromPlan);
      Object.assign(entry, { status: 'suspended', offsetFrames: rec.offsetFrames, interruptedAt: rec.interruptedAt ?? how.now, actualStartAt: rec.actualStartAt });
      if (this.deps.interruptedPolicy() === 'drop') reporter.finish(entry, 'interrupted', { reason: 'dropped after a restart (interruptedPolicy: drop)', zones: this.deps.targetZones(entry) });
      else if (how.now > this.deadline(entry)) reporter.finish(entry, 'missed', { reason: 'missed: the resume window passed while the player was not running', zones: this.deps.targetZones(entry) });
      else this.entries.set(id, entry);
      return;
    }
    if (rec) return;
    if (existing) {
      existing.fromPlan ||= how.fromPlan;
      if (existing.status === 'pending' && how.fromPlan) {
        // the plan is the reference (it carries the bulletin id); the source is kept unless it changed
        if (sourceKey(existing.item.source) !== sourceKey(item.source)) this.deps.preparer.release(existing);
        existing.item = item;
      }
      return;
    }
    const entry = this.newEntry(item, how.fromPlan);
    if (how.now > this.deadline(entry)) {
      if (how.missedReason) reporter.finish(entry, 'missed', { reason: `missed: ${how.missedReason}`, zones: this.deps.targetZones(entry) });
      return;
    }
    this.entries.set(id, entry);
  }

  /** The last instant an entry may start (or resume); past it, it is missed. */
  deadline(e: Entry): number {
    const limit = e.latenessMs ?? latenessLimitMs(e.item.priority, e.item.durationMs, this.deps.lateness);
    const from = e.status === 'suspended' && e.interruptedAt !== null ? e.interruptedAt : e.item.startAt;
    const d = from + limit;
    return e.item.source.kind === 'stream' ? Math.min(d, e.item.startAt + e.item.durationMs) : d;
  }

  /** Reports as missed, and drops, every entry past its deadline; `busyWith` is what held the timeline. */
  expireMissed(now: number, busyWith: Entry | null): void {
    for (const e of this.all()) {
      if (now <= this.deadline(e)) continue;
      this.drop(e);
      const why = e.problem ? `not ready: ${e.problem}` : busyWith ? `the timeline was busy (${busyWith.item.priority} "${busyWith.item.title}")` : 'it could not start in time';
      const limit = this.deadline(e) - (e.status === 'suspended' && e.interruptedAt !== null ? e.interruptedAt : e.item.startAt);
      this.deps.reporter.finish(e, 'missed', { reason: `missed: not started within ${Math.round(limit / 1000)} s (${why})`, zones: this.deps.targetZones(e) });
    }
  }

  /** The due and ready entry that goes first (see queue.ts for the order). */
  best(now: number): Entry | null {
    let best: Entry | null = null;
    for (const e of this.entries.values()) {
      if (e.item.startAt <= now && this.deps.preparer.ready(e) && (!best || compareRanked(rankOf(e), rankOf(best)) < 0)) best = e;
    }
    return best;
  }

  private isAdhocAlert(e: Entry): boolean {
    const alertId = alertIdOf(e.item.occurrenceId);
    return alertId !== null && this.deps.journal.alert(alertId)?.cancelled === false;
  }

  private cancelledAlert(occurrenceId: string): boolean {
    const alertId = alertIdOf(occurrenceId);
    return alertId !== null && this.deps.journal.alert(alertId)?.cancelled === true;
  }
}
