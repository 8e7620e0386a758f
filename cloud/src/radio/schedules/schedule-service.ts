import { newId, type Priority } from '@smart-commune/shared';
import type { DomainEventBus } from '../../events/event-bus.js';
import { badRequest, conflict } from '../../http/errors.js';
import type { BulletinAudioLookup } from '../plan/bulletin-audio.js';
import type { EdgeDirectory } from '../plan/edge-directory.js';
import { findConflicts } from './conflicts.js';
import { isValidZone, parseLocalMinute } from './local-time.js';
import { LOOKAHEAD_MS, RecurrenceError, expandSeries, isRuleOccurrence, nextOccurrence, normalizeRrule, type Occurrence, type OccurrenceException } from './recurrence.js';
import type { Schedule, ScheduleStore } from './schedule-store.js';
import { hamletsOf, normalizeTargets, type Targets } from './targets.js';

export type SourceInput =
  | { kind: 'bulletin'; bulletinId: string }
  | { kind: 'station'; stationId: string; durationS: number }
  | { kind: 'stream'; url: string; durationS: number };

export interface ScheduleInput {
  title: string;
  source: SourceInput;
  startsLocal: string;
  timeZone: string;
  rrule: string | null;
  priority: Priority;
  volume: number;
  targets: Targets;
  enabled: boolean;
}

export interface ExceptionInput {
  occurrence: string;
  action: 'skip' | 'move';
  movedTo?: string;
}

export interface ScheduleFilter {
  hamlet?: string;
  priority?: Priority;
  enabled?: boolean;
  bulletinId?: string;
}

export interface ScheduleServiceDeps {
  store: ScheduleStore;
  bulletins: BulletinAudioLookup;
  directory: EdgeDirectory;
  /** The stations a relay item may take as its source (relays/station-store.ts). */
  stations?: { find(id: string): { id: string } | null };
  /** Where a bulletin scheduled for the public is published. */
  bus: DomainEventBus;
  now(): number;
  /** Called after every change, so the edges' plans follow. */
  changed(): Promise<unknown>;
}

const sourceOf = (input: SourceInput): Schedule['source'] =>
  input.kind === 'bulletin'
    ? { kind: 'bulletin', bulletinId: input.bulletinId }
    : input.kind === 'station'
      ? { kind: 'station', stationId: input.stationId }
      : { kind: 'stream', url: input.url };

/** What the radio operator does with schedules: validated, conflict-checked, and followed by the plans. */
export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  list(filter: ScheduleFilter = {}): Schedule[] {
    const hamletOf = this.deps.directory.hamletOfEdge();
    const hamlets = this.deps.directory.hamlets().map((h) => h.code);
    return this.deps.store.list().filter(
      (s) =>
        (filter.priority === undefined || s.priority === filter.priority) &&
        (filter.enabled === undefined || s.enabled === filter.enabled) &&
        (filter.bulletinId === undefined || (s.source.kind === 'bulletin' && s.source.bulletinId === filter.bulletinId)) &&
        (filter.hamlet === undefined || hamletsOf(s.targets, hamlets, hamletOf).includes(filter.hamlet)),
    );
  }

  get(id: string): Schedule {
    return this.deps.store.get(id);
  }

  /** The next occurrences from now (including one playing now), at most `count`. */
  upcoming(schedule: Schedule, count: number): Occurrence[] {
    const result: Occurrence[] = [];
    let from = this.deps.now() - schedule.durationMs;
    while (result.length < count) {
      const next = nextOccurrence(schedule, from, LOOKAHEAD_MS);
      if (!next) break;
      result.push(next);
      from = next.startAt + 1;
    }
    return result;
  }

  async create(input: ScheduleInput, createdBy: string | null): Promise<Schedule> {
    const now = this.deps.now();
    const schedule = this.prepare({ ...this.fromInput(input), id: newId('sch'), createdBy, createdAt: now, updatedAt: now, exceptions: [] }, true);
    const saved = this.deps.store.save(schedule);
    this.publishIfScheduled(null, saved);
    await this.deps.changed();
    return saved;
  }

  async update(id: string, patch: Partial<ScheduleInput>): Promise<Schedule> {
    const current = this.deps.store.get(id);
    const merged = this.fromInput({ ...this.toInput(current), ...patch });
    const timingChanged = merged.startsLocal !== current.startsLocal || merged.rrule !== current.rrule || merged.timeZone !== current.timeZone;
    const schedule = this.prepare({ ...current, ...merged, updatedAt: this.deps.now() }, timingChanged || (merged.enabled && !current.enabled));
    const saved = this.deps.store.save(schedule);
    this.publishIfScheduled(current, saved);
    await this.deps.changed();
    return saved;
  }

  async delete(id: string): Promise<void> {
    this.deps.store.delete(id);
    await this.deps.changed();
  }

  /** Skips or moves one occurrence; a move is conflict-checked like any change. */
  async putException(id: string, input: ExceptionInput): Promise<Schedule> {
    const current = this.deps.store.get(id);
    if (!parseLocalMinute(input.occurrence) || !isRuleOccurrence(current, input.occurrence)) {
      throw badRequest(`"${input.occurrence}" is not an occurrence of schedule ${id} (give its original local start, YYYY-MM-DDTHH:mm)`);
    }
    if (input.action === 'move' && !(input.movedTo && parseLocalMinute(input.movedTo))) throw badRequest('a move needs movedTo, a local time YYYY-MM-DDTHH:mm');
    const exception: OccurrenceException = { occurrenceLocal: input.occurrence, action: input.action, movedToLocal: input.action === 'move' ? input.movedTo! : null };
    const exceptions = [...current.exceptions.filter((e) => e.occurrenceLocal !== exception.occurrenceLocal), exception];
    if (current.enabled) this.assertNoConflict({ ...current, exceptions });
    this.deps.store.putException(id, exception);
    await this.deps.changed();
    return this.deps.store.get(id);
  }

  /** Every occurrence of enabled schedules starting in [from, to), optionally only those reaching a hamlet. */
  occurrences(from: number, to: number, hamlet?: string): { schedule: Schedule; occurrence: Occurrence; hamlets: string[] }[] {
    const hamletOf = this.deps.directory.hamletOfEdge();
    const allHamlets = this.deps.directory.hamlets().map((h) => h.code);
    const result: { schedule: Schedule; occurrence: Occurrence; hamlets: string[] }[] = [];
    for (const schedule of this.deps.store.list()) {
      if (!schedule.enabled) continue;
      const hamlets = hamletsOf(schedule.targets, allHamlets, hamletOf);
      if (hamlet !== undefined && !hamlets.includes(hamlet)) continue;
      for (const occurrence of expandSeries(schedule, from, to)) result.push({ schedule, occurrence, hamlets });
    }
    return result.sort((a, b) => a.occurrence.startAt - b.occurrence.startAt || a.schedule.id.localeCompare(b.schedule.id));
  }

  /** `bulletin.scheduled` when the schedule now plays a bulletin it did not play before (or did while disabled). */
  private publishIfScheduled(before: Schedule | null, after: Schedule): void {
    const bulletinOf = (s: Schedule | null) => (s?.enabled && s.source.kind === 'bulletin' ? s.source.bulletinId : null);
    const bulletinId = bulletinOf(after);
    if (bulletinId === null || bulletinId === bulletinOf(before)) return;
    const hamletCodes = hamletsOf(after.targets, this.deps.directory.hamlets().map((h) => h.code), this.deps.directory.hamletOfEdge());
    const firstStartAt = nextOccurrence(after, this.deps.now(), LOOKAHEAD_MS)?.startAt ?? null;
    this.deps.bus.publish('bulletin.scheduled', { bulletinId, scheduleId: after.id, hamletCodes, firstStartAt });
  }

  private fromInput(input: ScheduleInput) {
    return {
      title: input.title,
      source: sourceOf(input.source),
      durationMs: input.source.kind === 'bulletin' ? 0 : input.source.durationS * 1000,
      startsLocal: input.startsLocal,
      timeZone: input.timeZone,
      rrule: input.rrule,
      priority: input.priority,
      volume: input.volume,
      targets: input.targets,
      enabled: input.enabled,
    };
  }

  private toInput(s: Schedule): ScheduleInput {
    return {
      title: s.title,
      source: s.source.kind === 'bulletin' ? s.source : { ...s.source, durationS: Math.round(s.durationMs / 1000) },
      startsLocal: s.startsLocal,
      timeZone: s.timeZone,
      rrule: s.rrule,
      priority: s.priority,
      volume: s.volume,
      targets: s.targets,
      enabled: s.enabled,
    };
  }

  /** Validates against the zone database, the bulletins and the fleet; fills the duration; refuses conflicts. */
  private prepare(s: Schedule, mustRecur: boolean): Schedule {
    if (!isValidZone(s.timeZone)) throw badRequest(`unknown time zone "${s.timeZone}"`);
    if (!parseLocalMinute(s.startsLocal)) throw badRequest(`startsLocal "${s.startsLocal}" is not a local time YYYY-MM-DDTHH:mm`);
    let rrule: string | null;
    try {
      rrule = s.rrule === null ? null : normalizeRrule(s.rrule);
    } catch (err) {
      if (err instanceof RecurrenceError) throw badRequest(err.message, [{ path: 'rrule', message: err.message }]);
      throw err;
    }
    let durationMs = s.durationMs;
    if (s.source.kind === 'bulletin') {
      const bulletin = this.deps.bulletins.find(s.source.bulletinId);
      if (!bulletin) throw badRequest(`unknown bulletin ${s.source.bulletinId}`, [{ path: 'source.bulletinId', message: 'no such bulletin' }]);
      durationMs = bulletin.durationMs;
    }
    if (s.source.kind === 'station' && !this.deps.stations?.find(s.source.stationId)) {
      throw badRequest(`unknown station ${s.source.stationId}`, [{ path: 'source.stationId', message: 'no such station' }]);
    }
    this.deps.directory.assertTargetsExist(s.targets);
    const prepared: Schedule = { ...s, rrule, durationMs, targets: normalizeTargets(s.targets) };
    if (mustRecur && !nextOccurrence(prepared, this.deps.now(), LOOKAHEAD_MS)) {
      throw badRequest('the schedule has no occurrence in the future: check startsLocal, the RRULE and its UNTIL/COUNT');
    }
    if (prepared.enabled) this.assertNoConflict(prepared);
    return prepared;
  }

  private assertNoConflict(candidate: Schedule): void {
    const others = this.deps.store.list().filter((o) => o.enabled && o.id !== candidate.id);
    const conflicts = findConflicts(candidate, others, this.deps.now(), this.deps.directory.hamletOfEdge());
    const first = conflicts[0];
    if (first) {
      throw conflict(
        `"${candidate.title}" would play together with "${first.title}" (${first.scheduleId}), which has the same priority and a shared loudspeaker, from ${first.firstOverlapLocal}`,
        { conflicts },
      );
    }
  }
}
