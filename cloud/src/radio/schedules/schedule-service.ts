import { newId, type Priority } from '@smart-commune/shared';
import { assertSees, sees, type Scoped } from '../../communes/scope.js';
import { weekCalendar, type CalendarEntry } from './week-calendar.js';
import type { DomainEventBus } from '../../events/event-bus.js';
import { badRequest, conflict } from '../../http/errors.js';
import type { BulletinAudioLookup } from '../plan/bulletin-audio.js';
import type { EdgeDirectory } from '../plan/edge-directory.js';
import { findConflicts } from './conflicts.js';
import { isValidZone, parseLocalMinute } from './local-time.js';
import { LOOKAHEAD_MS, RecurrenceError, isRuleOccurrence, nextOccurrence, normalizeRrule, type Occurrence, type OccurrenceException } from './recurrence.js';
import type { Schedule, ScheduleStore } from './schedule-store.js';
import { assertMayChangeItem } from '../scope/radio-scope.js';
import { hamletsOf, normalizeTargets, type TargetHamlet, type Targets } from './targets.js';

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
  stations?: { find(id: string): Promise<{ id: string } | null> };
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

  /**
   * The schedules `viewer` sees (absent: all): a commune's people their commune's and those of the
   * province's own that reach their commune.
   */
  async list(filter: ScheduleFilter = {}, viewer?: Scoped): Promise<Schedule[]> {
    const [hamletOf, hamlets] = await Promise.all([this.deps.directory.hamletOfEdge(), this.deps.directory.placedHamlets()]);
    return (await this.deps.store.list({ commune: viewer?.communeCode ?? null })).filter(
      (s) =>
        (viewer === undefined || this.reachesViewer(s, viewer, hamlets, hamletOf)) &&
        (filter.priority === undefined || s.priority === filter.priority) &&
        (filter.enabled === undefined || s.enabled === filter.enabled) &&
        (filter.bulletinId === undefined || (s.source.kind === 'bulletin' && s.source.bulletinId === filter.bulletinId)) &&
        (filter.hamlet === undefined || hamletsOf(s.targets, hamlets, hamletOf, s.communeCode).includes(filter.hamlet)),
    );
  }

  /** With `viewer`: another commune's schedule answers 404 like a missing one. */
  async get(id: string, viewer?: Scoped): Promise<Schedule> {
    const schedule = await this.deps.store.get(id);
    if (viewer) assertSees(viewer, schedule.communeCode, `schedule ${id}`);
    return schedule;
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

  /** `communeCode`: whose it is (radio-scope.ts communeForWrite); null: a province-wide programme. */
  async create(input: ScheduleInput, createdBy: string | null, communeCode: string | null = null): Promise<Schedule> {
    const now = this.deps.now();
    const schedule = await this.prepare({ ...this.fromInput(input), id: newId('sch'), createdBy, createdAt: now, updatedAt: now, exceptions: [], communeCode }, true);
    const saved = await this.deps.store.save(schedule);
    await this.publishIfScheduled(null, saved);
    await this.deps.changed();
    return saved;
  }

  /** With `viewer`: only a schedule they may change (the province's own answers 403 to a commune). */
  async update(id: string, patch: Partial<ScheduleInput>, viewer?: Scoped): Promise<Schedule> {
    const current = await this.changeable(id, viewer);
    const merged = this.fromInput({ ...this.toInput(current), ...patch });
    const timingChanged = merged.startsLocal !== current.startsLocal || merged.rrule !== current.rrule || merged.timeZone !== current.timeZone;
    const schedule = await this.prepare({ ...current, ...merged, updatedAt: this.deps.now() }, timingChanged || (merged.enabled && !current.enabled));
    const saved = await this.deps.store.save(schedule);
    await this.publishIfScheduled(current, saved);
    await this.deps.changed();
    return saved;
  }

  async delete(id: string, viewer?: Scoped): Promise<void> {
    await this.changeable(id, viewer);
    await this.deps.store.delete(id);
    await this.deps.changed();
  }

  /** Skips or moves one occurrence; a move is conflict-checked like any change. */
  async putException(id: string, input: ExceptionInput, viewer?: Scoped): Promise<Schedule> {
    const current = await this.changeable(id, viewer);
    if (!parseLocalMinute(input.occurrence) || !isRuleOccurrence(current, input.occurrence)) {
      throw badRequest(`"${input.occurrence}" is not an occurrence of schedule ${id} (give its original local start, YYYY-MM-DDTHH:mm)`);
    }
    if (input.action === 'move' && !(input.movedTo && parseLocalMinute(input.movedTo))) throw badRequest('a move needs movedTo, a local time YYYY-MM-DDTHH:mm');
    const exception: OccurrenceException = { occurrenceLocal: input.occurrence, action: input.action, movedToLocal: input.action === 'move' ? input.movedTo! : null };
    const exceptions = [...current.exceptions.filter((e) => e.occurrenceLocal !== exception.occurrenceLocal), exception];
    if (current.enabled) await this.assertNoConflict({ ...current, exceptions });
    await this.deps.store.putException(id, exception);
    await this.deps.changed();
    return this.deps.store.get(id);
  }

  /**
   * Every occurrence of enabled schedules starting in [from, to), optionally only those reaching a
   * hamlet. With a commune's `viewer`: their commune's items and the province's that reach it, each
   * with the viewer's hamlets only (the week calendar of a commune).
   */
  occurrences(from: number, to: number, hamlet?: string, viewer?: Scoped): Promise<CalendarEntry[]> {
    return weekCalendar(this.deps.store, { from, to, hamlet, viewer });
  }

  /** The schedule, if `viewer` may change it: another commune's answers 404, the province's own 403. */
  private async changeable(id: string, viewer?: Scoped): Promise<Schedule> {
    const current = await this.deps.store.get(id);
    if (viewer) assertMayChangeItem(viewer, current.communeCode, `schedule ${id}`);
    return current;
  }

  /** Whether a commune's person has a schedule in their list: their commune's, or the province's reaching them. */
  private reachesViewer(s: Schedule, viewer: Scoped, hamlets: readonly TargetHamlet[], hamletOf: (edgeId: string) => string | undefined): boolean {
    if (viewer.communeCode === null || s.communeCode === viewer.communeCode) return true;
    if (s.communeCode !== null) return false;
    return hamletsOf(s.targets, hamlets.filter((h) => h.communeCode === viewer.communeCode), hamletOf).length > 0;
  }

  /** `bulletin.scheduled` when the schedule now plays a bulletin it did not play before (or did while disabled). */
  private async publishIfScheduled(before: Schedule | null, after: Schedule): Promise<void> {
    const bulletinOf = (s: Schedule | null) => (s?.enabled && s.source.kind === 'bulletin' ? s.source.bulletinId : null);
    const bulletinId = bulletinOf(after);
    if (bulletinId === null || bulletinId === bulletinOf(before)) return;
    const [hamlets, hamletOf] = await Promise.all([this.deps.directory.placedHamlets(), this.deps.directory.hamletOfEdge()]);
    const hamletCodes = hamletsOf(after.targets, hamlets, hamletOf, after.communeCode);
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
  private async prepare(s: Schedule, mustRecur: boolean): Promise<Schedule> {
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
      const bulletin = await this.deps.bulletins.find(s.source.bulletinId);
      // a commune schedules its own bulletins and the province's; another commune's are as unknown
      if (!bulletin || !sees({ communeCode: s.communeCode }, bulletin.communeCode)) throw badRequest(`unknown bulletin ${s.source.bulletinId}`, [{ path: 'source.bulletinId', message: 'no such bulletin' }]);
      durationMs = bulletin.durationMs;
    }
    if (s.source.kind === 'station' && !(await this.deps.stations?.find(s.source.stationId))) {
      throw badRequest(`unknown station ${s.source.stationId}`, [{ path: 'source.stationId', message: 'no such station' }]);
    }
    await this.deps.directory.assertTargetsExist(s.targets, s.communeCode);
    const prepared: Schedule = { ...s, rrule, durationMs, targets: normalizeTargets(s.targets) };
    if (mustRecur && !nextOccurrence(prepared, this.deps.now(), LOOKAHEAD_MS)) {
      throw badRequest('the schedule has no occurrence in the future: check startsLocal, the RRULE and its UNTIL/COUNT');
    }
    if (prepared.enabled) await this.assertNoConflict(prepared);
    return prepared;
  }

  private async assertNoConflict(candidate: Schedule): Promise<void> {
    // one owner's items against each other: communes' boxes are apart, and a province item ranks above
    // a commune's own of its priority on the box (issuer), so the two levels never refuse each other
    const others = (await this.deps.store.list({ commune: candidate.communeCode, enabledOnly: true })).filter((o) => o.id !== candidate.id && o.communeCode === candidate.communeCode);
    const conflicts = findConflicts(candidate, others, this.deps.now(), await this.deps.directory.places());
    const first = conflicts[0];
    if (first) {
      throw conflict(
        `"${candidate.title}" would play together with "${first.title}" (${first.scheduleId}), which has the same priority and a shared loudspeaker, from ${first.firstOverlapLocal}`,
        { conflicts },
      );
    }
  }
}
