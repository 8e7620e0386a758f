import { sql } from 'kysely';
import type { Logger } from '@smart-commune/shared/runtime';
import { jsonArrayElements, jsonText, type QueryDatabase } from '../../db/query/index.js';
import type { DomainEventBus, Unsubscribe } from '../../events/event-bus.js';
import type { CloudMetrics } from '../../metrics.js';
import type { SpeakerHistory } from './speaker-history.js';

/** A zone alarm still on: shown as a banner to operators and technicians. */
export interface SpeakerAlarm {
  edgeId: string;
  edgeName: string;
  hamletCode: string | null;
  hamletName: string | null;
  zone: string;
  state: 'offline' | 'muted';
  reason: string | null;
  downSince: number;
  raisedAt: number;
}

export interface SpeakerAlarmsDeps {
  q: QueryDatabase;
  bus: DomainEventBus;
  history: SpeakerHistory;
  logger: Logger;
  /** SC_SPEAKER_ALARM_AFTER_S in ms. */
  alarmAfterMs: number;
  /** sc_speaker_alarms (on now) and sc_speaker_alarms_raised_total. */
  metrics?: Pick<CloudMetrics, 'countSpeakerAlarmsWith' | 'speakerAlarmsRaised'>;
  now?: () => number;
}

const DOWN_STATES = ['offline', 'muted'] as const;

/**
 * The zones down now (speaker_state `s`) that are still part of their box's configuration (a zone
 * removed is nobody's alarm) on an active box: the condition both the raise and the clear decide on.
 */
function downZones(q: QueryDatabase) {
  const d = q.dialect;
  return q.db
    .selectFrom('speaker_state as s')
    .innerJoin('edges as e', 'e.id', 's.edge_id')
    .where('s.state', 'in', DOWN_STATES)
    .where('e.status', '=', 'active')
    .where(({ exists, selectFrom, eb }) =>
      exists(
        selectFrom(['documents as d', jsonArrayElements(d, sql.ref('d.body'), ['radio', 'speakers']).as('sp')])
          .select(eb.lit(1).as('one'))
          .whereRef('d.edge_id', '=', 's.edge_id')
          .where('d.doc', '=', 'config')
          .where(jsonText(d, sql.ref('sp.value'), ['zone']), '=', eb.ref('s.zone')),
      ),
    );
}

/**
 * Raises an alarm for each loudspeaker zone down longer than the set time, and clears it when the
 * zone is back (or no longer configured, or its box revoked). Stored (speaker_alarms) so a restart
 * neither forgets one nor raises it twice; a sweep at a quarter of the delay (at most every 5 s)
 * decides, and each `speaker.online` sweeps at once so a banner goes as soon as the zone is back.
 * Raising and clearing are each one conditional statement (an insert refused by the unique index
 * of open alarms, an update of the alarms still open whose zone is no longer down), so with
 * several cloud processes sweeping at once an alarm is raised, cleared and published once.
 */
export class SpeakerAlarms {
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: Unsubscribe | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: SpeakerAlarmsDeps) {
    this.now = deps.now ?? Date.now;
    deps.metrics?.countSpeakerAlarmsWith(async () => {
      const row = await deps.q.db.selectFrom('speaker_alarms').select((eb) => eb.fn.countAll<number>().as('n')).where('cleared_at', 'is', null).executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  start(): void {
    const every = Math.max(100, Math.min(5000, this.deps.alarmAfterMs / 4));
    this.timer = setInterval(() => void this.sweepLogged(), every);
    this.timer.unref();
    this.unsubscribe = this.deps.bus.subscribe('speaker.online', async () => void (await this.sweep()));
    void this.sweepLogged();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** A timer's sweep: a failure (the database unreachable a moment) is logged and the next sweep retries. */
  private async sweepLogged(): Promise<void> {
    try {
      await this.sweep();
    } catch (err) {
      this.deps.logger.error({ err }, 'loudspeaker zone alarm sweep failed; retrying at the next one');
    }
  }

  /** Raises what is due and clears what is over; returns what changed (for tests and logs). */
  async sweep(): Promise<{ raised: number; cleared: number }> {
    const cleared = await this.clearOver();
    let raised = 0;
    for (const zone of await this.dueCandidates()) if (await this.raise(zone.edgeId, zone.zone)) raised++;
    return { raised, cleared };
  }

  /** One UPDATE of the open alarms whose zone is no longer down: only the process whose update cleared one publishes it. */
  private async clearOver(): Promise<number> {
    const { q, bus, logger } = this.deps;
    const now = this.now();
    const over = await q.db
      .updateTable('speaker_alarms')
      .set({ cleared_at: now })
      .where('cleared_at', 'is', null)
      .where(({ not, exists }) =>
        not(
          exists(
            downZones(q)
              .select('s.zone')
              // the alarm row being updated (outside this subquery's builder, hence by name)
              .where('s.edge_id', '=', sql.ref<string>('speaker_alarms.edge_id'))
              .where('s.zone', '=', sql.ref<string>('speaker_alarms.zone')),
          ),
        ),
      )
      .returning(['edge_id', 'zone', 'down_since'])
      .execute();
    for (const alarm of over) {
      logger.info({ edgeId: alarm.edge_id, zone: alarm.zone, downMs: now - alarm.down_since }, 'loudspeaker zone alarm cleared');
      bus.publish('speaker.alarm.cleared', { edgeId: alarm.edge_id, zone: alarm.zone, at: now, downSince: alarm.down_since });
    }
    return over.length;
  }

  /** The zones down now without an open alarm (whether each is due is its history's to say). */
  private dueCandidates(): Promise<{ edgeId: string; zone: string }[]> {
    return downZones(this.deps.q)
      .where(({ not, exists, selectFrom, eb }) =>
        not(exists(selectFrom('speaker_alarms as a').select(eb.lit(1).as('one')).whereRef('a.edge_id', '=', 's.edge_id').whereRef('a.zone', '=', 's.zone').where('a.cleared_at', 'is', null))),
      )
      .select(['s.edge_id as edgeId', 's.zone'])
      .orderBy('s.edge_id')
      .orderBy('s.zone')
      .execute();
  }

  /**
   * Raises the zone's alarm if it has been down the set time: one INSERT … SELECT from the zone's
   * state now (still down, with the state and reason it has now), refused by the unique index of
   * open alarms when another sweep raised it first. True when this call raised it.
   */
  private async raise(edgeId: string, zone: string): Promise<boolean> {
    const { q, history, bus, alarmAfterMs } = this.deps;
    const now = this.now();
    const downSince = await history.downSince(edgeId, zone);
    if (downSince === null || now - downSince < alarmAfterMs) return false;
    const added = await q.db
      .insertInto('speaker_alarms')
      .columns(['edge_id', 'zone', 'state', 'reason', 'down_since', 'raised_at', 'commune_code'])
      .expression((eb) =>
        eb
          .selectFrom('speaker_state as s')
          .select((s) => [
            's.edge_id',
            's.zone',
            's.state',
            's.reason',
            s.val(downSince).as('down_since'),
            s.val(now).as('raised_at'),
            // the alarm is its box's commune's (issue 10): the commune of the box's hamlet when raised
            s
              .selectFrom('edges as e')
              .innerJoin('hamlets as h', 'h.code', 'e.hamlet_code')
              .select('h.commune_code')
              .whereRef('e.id', '=', 's.edge_id')
              .as('commune_code'),
          ])
          .where('s.edge_id', '=', edgeId)
          .where('s.zone', '=', zone)
          .where('s.state', 'in', DOWN_STATES),
      )
      .onConflict((oc) => oc.doNothing())
      .returning(['state', 'reason'])
      .executeTakeFirst();
    if (!added) return false;
    const state = added.state as (typeof DOWN_STATES)[number];
    this.deps.metrics?.speakerAlarmsRaised.inc();
    this.deps.logger.warn({ edgeId, zone, state, reason: added.reason, downMs: now - downSince }, 'loudspeaker zone alarm raised');
    bus.publish('speaker.alarm.raised', { edgeId, zone, at: now, downSince, state, reason: added.reason });
    return true;
  }

  /** The alarms on now, oldest down first; with `communeCode`, those of that commune's boxes only (where the box is now). */
  async active(filter: { communeCode?: string } = {}): Promise<SpeakerAlarm[]> {
    let query = this.deps.q.db
      .selectFrom('speaker_alarms as a')
      .innerJoin('edges as e', 'e.id', 'a.edge_id')
      .leftJoin('hamlets as h', 'h.code', 'e.hamlet_code')
      .select([
        'a.edge_id as edgeId',
        'e.name as edgeName',
        'e.hamlet_code as hamletCode',
        'h.name as hamletName',
        'a.zone',
        'a.state',
        'a.reason',
        'a.down_since as downSince',
        'a.raised_at as raisedAt',
      ])
      .where('a.cleared_at', 'is', null);
    if (filter.communeCode) query = query.where('h.commune_code', '=', filter.communeCode);
    const rows = await query.orderBy('a.down_since').orderBy('a.edge_id').orderBy('a.zone').execute();
    // only a down state is ever raised (DOWN_STATES)
    return rows.map((r) => ({ ...r, state: r.state as SpeakerAlarm['state'] }));
  }
}
