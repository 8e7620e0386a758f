import type { Priority } from '@smart-commune/shared';
import type { QueryDatabase } from '../../db/query/index.js';
import { notFound } from '../../http/errors.js';
import { ownerIsDead } from '../../cluster/process-registry.js';
import type { UrlPlayed } from './relay-puller.js';
import type { Targets } from '../schedules/targets.js';
import type { Selectable } from 'kysely';
import type { RelayRunsTable } from '../../db/query/tables.js';

/**
 * Why a relay run ended: its window was over (`ended`), an operator stopped it (`stopped`), the live
 * session ended another way (`interrupted`), the cloud stopped during it (`cloud_stopped`: a
 * scheduled window is taken up again at the next start), or it could not run (`failed`).
 */
export const relayEndReasons = ['ended', 'stopped', 'interrupted', 'cloud_stopped', 'failed'] as const;
export type RelayEndReason = (typeof relayEndReasons)[number];

/** One relay of a station to hamlets, now or in a scheduled window: what it was, and what actually played. */
export interface RelayRun {
  id: string;
  stationId: string;
  stationName: string;
  scheduleId: string | null;
  occurrenceId: string | null;
  sessionId: string | null;
  title: string;
  priority: Priority;
  targets: Targets;
  startedBy: string | null;
  startedAt: number;
  /** The planned end (the window's); null: until stopped. */
  endsAt: number | null;
  endedAt: number | null;
  endReason: RelayEndReason | null;
  /** ms of the station's audio sent to the boxes, and of silence (nothing came from the station). */
  playedMs: number;
  silenceMs: number;
  bytes: number;
  reconnects: number;
  /** Which URL played how long. */
  urls: UrlPlayed[];
  lastError: string | null;
  /** The commune whose relay it is (its targets are in it); null: the province's. */
  communeCode: string | null;
}

type Row = Omit<Selectable<RelayRunsTable>, 'priority' | 'end_reason'> & { priority: Priority; end_reason: RelayEndReason | null };

const toRun = (r: Row): RelayRun => ({
  id: r.id,
  stationId: r.station_id,
  stationName: r.station_name,
  scheduleId: r.schedule_id,
  occurrenceId: r.occurrence_id,
  sessionId: r.session_id,
  title: r.title,
  priority: r.priority,
  targets: JSON.parse(r.targets) as Targets,
  startedBy: r.started_by,
  startedAt: r.started_at,
  endsAt: r.ends_at,
  endedAt: r.ended_at,
  endReason: r.end_reason,
  playedMs: r.played_ms,
  silenceMs: r.silence_ms,
  bytes: r.bytes,
  reconnects: r.reconnects,
  urls: JSON.parse(r.urls) as UrlPlayed[],
  lastError: r.last_error,
  communeCode: r.commune_code,
});

export type NewRelayRun = Pick<RelayRun, 'id' | 'stationId' | 'stationName' | 'scheduleId' | 'occurrenceId' | 'sessionId' | 'title' | 'priority' | 'targets' | 'startedBy' | 'startedAt' | 'endsAt' | 'communeCode'>;
export type RelayOutcome = Pick<RelayRun, 'endedAt' | 'endReason' | 'playedMs' | 'silenceMs' | 'bytes' | 'reconnects' | 'urls' | 'lastError'>;

/** Relay runs (table relay_runs): the station's log of what was relayed. */
export class RelayRunStore {
  constructor(private readonly q: QueryDatabase) {}

  /** `ownerProcess`: the cloud process that relays it (cluster/process-registry.ts); null: a sole process that does not register. */
  async insert(run: NewRelayRun, ownerProcess: string | null = null): Promise<RelayRun> {
    await this.q.db
      .insertInto('relay_runs')
      .values({
        id: run.id,
        station_id: run.stationId,
        station_name: run.stationName,
        schedule_id: run.scheduleId,
        occurrence_id: run.occurrenceId,
        session_id: run.sessionId,
        title: run.title,
        priority: run.priority,
        targets: JSON.stringify(run.targets),
        started_by: run.startedBy,
        started_at: run.startedAt,
        ends_at: run.endsAt,
        commune_code: run.communeCode,
        owner_process: ownerProcess,
      })
      .execute();
    return this.get(run.id);
  }

  /** Closes it once with what it played (a run already closed, by another process's recovery say, keeps its record). */
  async finish(id: string, o: RelayOutcome): Promise<RelayRun> {
    await this.q.db
      .updateTable('relay_runs')
      .set({
        ended_at: o.endedAt,
        end_reason: o.endReason,
        played_ms: o.playedMs,
        silence_ms: o.silenceMs,
        bytes: o.bytes,
        reconnects: o.reconnects,
        urls: JSON.stringify(o.urls),
        last_error: o.lastError,
      })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
    return this.get(id);
  }

  /** What a running relay has done so far, saved now and then so a crash keeps most of it. */
  async progress(id: string, p: Pick<RelayRun, 'playedMs' | 'silenceMs' | 'bytes' | 'reconnects' | 'lastError'>): Promise<void> {
    await this.q.db
      .updateTable('relay_runs')
      .set({ played_ms: p.playedMs, silence_ms: p.silenceMs, bytes: p.bytes, reconnects: p.reconnects, last_error: p.lastError })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
  }

  async get(id: string): Promise<RelayRun> {
    const row = await this.q.db.selectFrom('relay_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`relay ${id}`);
    return toRun(row as Row);
  }

  /** Newest first; `commune`: that commune's relays and the province's. */
  async recent(limit: number, commune?: string): Promise<RelayRun[]> {
    const rows = await this.q.db
      .selectFrom('relay_runs')
      .selectAll()
      .$if(!!commune, (qb) => qb.where((eb) => eb.or([eb('commune_code', '=', commune!), eb('commune_code', 'is', null)])))
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => toRun(r as Row));
  }

  /** The runs of a scheduled occurrence (a window taken up again after a restart has several). */
  async ofOccurrence(occurrenceId: string): Promise<RelayRun[]> {
    const rows = await this.q.db.selectFrom('relay_runs').selectAll().where('occurrence_id', '=', occurrenceId).orderBy('started_at').orderBy('id').execute();
    return rows.map((r) => toRun(r as Row));
  }

  /**
   * Runs the cloud was relaying when it stopped or crashed: closed as `cloud_stopped` at `at` (what
   * they played is not known past the last save, so it stays as it was). One statement; the count closed.
   */
  async closeOpen(at: number): Promise<number> {
    const closed = await this.q.db.updateTable('relay_runs').set({ ended_at: at, end_reason: 'cloud_stopped' }).where('ended_at', 'is', null).returning('id').execute();
    return closed.length;
  }

  /**
   * Runs relayed by a cloud process that stopped beating before `aliveSince`: closed as
   * `cloud_stopped` (the leader's relay windows take a scheduled one up again), in one conditional
   * statement. Runs with no owner (a sole process's, older rows) are not this sweep's.
   */
  async closeDeadOwners(at: number, aliveSince: number): Promise<{ id: string; owner: string }[]> {
    const rows = await this.q.db
      .updateTable('relay_runs')
      .set({ ended_at: at, end_reason: 'cloud_stopped' })
      .where('ended_at', 'is', null)
      .where('owner_process', 'is not', null)
      .where(ownerIsDead('relay_runs', aliveSince))
      .returning(['id', 'owner_process'])
      .execute();
    return rows.map((r) => ({ id: r.id, owner: r.owner_process! })).sort((a, b) => a.id.localeCompare(b.id));
  }
}
