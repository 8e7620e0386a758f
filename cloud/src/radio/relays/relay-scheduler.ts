import type { Logger } from '@smart-commune/shared/runtime';
import { scheduleOccurrenceId } from '../plan/plan-compiler.js';
import type { Occurrence } from '../schedules/recurrence.js';
import type { Schedule } from '../schedules/schedule-store.js';
import type { RelayRunStore } from './relay-run-store.js';
import type { PreparedRelay, RelayService } from './relay-service.js';

export interface RelaySchedulerDeps {
  /** ScheduleService.occurrences: every occurrence of enabled schedules starting in [from, to). */
  occurrences(from: number, to: number): Promise<{ schedule: Schedule; occurrence: Occurrence }[]>;
  relays: RelayService;
  runs: RelayRunStore;
  logger: Logger;
  now(): number;
  /** How often the schedule is looked at; each window's start is then timed to the millisecond. */
  tickMs: number;
}

/** The longest window a schedule allows (durationS ≤ 86,400): how far back an occurrence still playing may have started. */
const MAX_WINDOW_MS = 86_400_000;
/** A window about to open: its timers, and the station's connection being made or made (null: none, it connects at the start). */
interface Armed {
  timers: NodeJS.Timeout[];
  preparing: Promise<PreparedRelay | null> | null;
  disarmed: boolean;
}

/** A window's station is connected this long before its start, so it opens with sound. */
export const CONNECT_AHEAD_MS = 5000;
/** A window that could not be started is tried again after this long (a live session refused, no box targeted yet). */
const RETRY_MS = 30_000;

/**
 * Opens a relay live session at the start of each window of a schedule whose source is a station
 * (expanded by the schedules' own code: RRULE, skips, moves), and lets the relay end it on time. A
 * window already under way (the cloud started late, or restarted during it) is joined for what is
 * left of it; one an operator stopped is not started again.
 */
export class RelayScheduler {
  private timer: NodeJS.Timeout | null = null;
  /** Windows about to open: their timers, and the station's connection once made. */
  private readonly armed = new Map<string, Armed>();
  private readonly retryAfter = new Map<string, number>();
  private readonly launching = new Set<string>();
  private ticking = false;

  constructor(private readonly deps: RelaySchedulerDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tickOnce(), this.deps.tickMs);
    this.timer.unref();
    void this.tickOnce();
  }

  /** One tick at a time (the schedules are read asynchronously); a failed read is logged and tried at the next tick. */
  private async tickOnce(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.tick();
    } catch (err) {
      this.deps.logger.error({ err }, 'relay schedule check failed');
    } finally {
      this.ticking = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const id of [...this.armed.keys()]) this.disarm(id);
  }

  /** Looks at what is due now or within the next tick or two; a schedule change is seen within one tick. */
  async tick(): Promise<void> {
    const now = this.deps.now();
    await this.deps.relays.checkSessions();
    const due = new Set<string>();
    const occurrences = await this.deps.occurrences(now - MAX_WINDOW_MS, now + CONNECT_AHEAD_MS + this.deps.tickMs * 2);
    if (!this.timer) return; // stopped while the schedules were read: arm nothing
    for (const { schedule, occurrence } of occurrences) {
      if (schedule.source.kind !== 'station') continue;
      const endsAt = occurrence.startAt + schedule.durationMs;
      if (endsAt <= now) continue;
      const id = scheduleOccurrenceId(schedule.id, occurrence.originalAt);
      due.add(id);
      if (this.armed.has(id) || this.launching.has(id) || (this.retryAfter.get(id) ?? 0) > now) continue;
      if (!(await this.startable(id))) continue;
      // the run log was read: stopped meanwhile, or armed or launched by a window's own timer
      if (!this.timer || this.armed.has(id) || this.launching.has(id)) continue;
      // the timers count from the tick's time: the reads above took a little of the delay
      const delay = occurrence.startAt - this.deps.now();
      if (delay <= 0) {
        void this.launch(schedule, occurrence, id, null);
        continue;
      }
      const slot: Armed = { timers: [], preparing: null, disarmed: false };
      this.armed.set(id, slot);
      const stationId = schedule.source.stationId;
      // the station's record is read, then its connection made, CONNECT_AHEAD_MS before the start
      const prepare = () => {
        slot.preparing = this.deps.relays.prepare(stationId).then(
          (prepared) => {
            // disarmed while the station was read (the occurrence went away, the cloud stops): not needed
            if (slot.disarmed) {
              void prepared.puller.stop();
              return null;
            }
            return prepared;
          },
          (err: unknown) => {
            this.deps.logger.warn({ err, scheduleId: schedule.id, occurrenceId: id }, 'relay window could not connect ahead; it connects at its start');
            return null;
          },
        );
      };
      if (delay <= CONNECT_AHEAD_MS) prepare();
      else slot.timers.push(setTimeout(prepare, delay - CONNECT_AHEAD_MS));
      slot.timers.push(
        setTimeout(() => {
          // the connection made ahead (a read of milliseconds, long done unless the window was armed
          // just now); the window stays armed until launch() holds it, so a tick meanwhile leaves it be
          void (slot.preparing ?? Promise.resolve(null)).then((prepared) => {
            if (slot.disarmed) return; // disarm() stops its connection
            this.armed.delete(id);
            return this.launch(schedule, occurrence, id, prepared);
          });
        }, delay),
      );
    }
    // an armed window whose occurrence went away (skipped, moved, schedule disabled or deleted)
    for (const id of [...this.armed.keys()]) if (!due.has(id)) this.disarm(id);
  }

  private disarm(id: string): void {
    const slot = this.armed.get(id);
    if (!slot) return;
    slot.disarmed = true;
    for (const t of slot.timers) clearTimeout(t);
    void slot.preparing?.then((prepared) => prepared?.puller.stop());
    this.armed.delete(id);
  }

  /** No run of the occurrence yet, or only runs the cloud's own stop cut short. */
  private async startable(occurrenceId: string): Promise<boolean> {
    return (await this.deps.runs.ofOccurrence(occurrenceId)).every((r) => r.endReason === 'cloud_stopped');
  }

  private async launch(schedule: Schedule, occurrence: Occurrence, id: string, prepared: PreparedRelay | null): Promise<void> {
    if (schedule.source.kind !== 'station' || this.launching.has(id)) {
      void prepared?.puller.stop();
      return;
    }
    // taken before the run log is read, so a second launch of the window cannot pass meanwhile
    this.launching.add(id);
    try {
      if (!(await this.startable(id))) {
        void prepared?.puller.stop();
        return;
      }
      await this.deps.relays.start({
        stationId: schedule.source.stationId,
        title: schedule.title,
        priority: schedule.priority,
        targets: schedule.targets,
        startedBy: null,
        communeCode: schedule.communeCode, // its relay windows are its commune's (null: the province's)
        endsAt: occurrence.startAt + schedule.durationMs,
        scheduleId: schedule.id,
        occurrenceId: id,
        requireReachable: false,
      }, prepared ?? undefined);
      this.retryAfter.delete(id);
    } catch (err) {
      this.retryAfter.set(id, this.deps.now() + RETRY_MS);
      this.deps.logger.error({ err, scheduleId: schedule.id, occurrenceId: id }, 'scheduled relay could not start; trying again in 30 s');
    } finally {
      this.launching.delete(id);
    }
  }
}
