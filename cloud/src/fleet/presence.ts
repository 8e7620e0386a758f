import { sql } from 'kysely';
import type { Availability, SpeakerTelemetry, Telemetry } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { fromDbBool, jsonArrayElements, jsonNumber, jsonText, toDbBool, type QueryDatabase } from '../db/query/index.js';
import type { EdgeOfflineReason } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { CloudMetrics } from '../metrics.js';
import type { SpeakerHistory } from './speakers/speaker-history.js';

/** Heartbeats a box may miss before the cloud calls it offline without waiting for its last will. */
export const MISSED_HEARTBEATS = 3;

/** What a change of presence is decided against: the row as read, written back only if still so. */
interface Seen {
  online: boolean;
  lastSeenAt: number | null;
  availabilityAt: number | null;
}

/** Attempts of a compare-and-set before giving up: another writer would have to change the row every time. */
const MAX_ATTEMPTS = 20;

const isDown = (state: SpeakerTelemetry['state'] | undefined) => state === 'offline' || state === 'muted';

/**
 * Online/offline and last-seen of every box, from its availability messages, its telemetry and the
 * heartbeat watchdog (a box that misses three heartbeats is offline even if its last will was lost).
 * Each change between online and offline is published (`edge.online`, `edge.offline`) once, also
 * with several cloud processes: a change is written by one conditional UPDATE, either the
 * watchdog's `… WHERE online = 1 … RETURNING` or a compare-and-set against the row as read (online,
 * last seen and availability time unchanged), and only the writer whose statement changed the row
 * publishes. Callers give one box's messages in order (ingest.ts chains them per box).
 */
export class Presence {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<unknown> | null = null;

  constructor(
    private readonly q: QueryDatabase,
    metrics: CloudMetrics,
    private readonly logger: Logger,
    private readonly defaultIntervalS: number,
    private readonly bus: DomainEventBus,
    /** Where each zone's state change is kept (the box page's history, the monthly uptime). */
    private readonly history?: SpeakerHistory,
  ) {
    metrics.countOnlineWith(() => this.countOnline());
    metrics.childProcessesWith(() => this.childProcesses());
    metrics.countFloodingWith(() => this.countFlooding());
  }

  /** Boxes the cloud considers online (the metric, counted when scraped). */
  async countOnline(): Promise<number> {
    const row = await this.q.db.selectFrom('edge_state').select((eb) => eb.fn.countAll<number>().as('n')).where('online', '=', 1).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Child processes each box started, by tool, from its latest telemetry. */
  async childProcesses(): Promise<{ edge: string; tool: string; count: number }[]> {
    const rows = await this.q.db
      .selectFrom('edge_state')
      .select(['edge_id', 'telemetry'])
      .where('telemetry', 'is not', null)
      .where('telemetry', 'like', '%childProcesses%')
      .execute();
    return rows.flatMap((row) =>
      Object.entries((JSON.parse(row.telemetry!) as Telemetry).childProcesses ?? {}).map(([tool, count]) => ({ edge: row.edge_id, tool, count })),
    );
  }

  /** Cameras of online boxes in a flood warning, from the latest telemetry. */
  async countFlooding(): Promise<number> {
    const { db, dialect } = this.q;
    const row = await db
      .selectFrom(['edge_state as s', jsonArrayElements(dialect, sql.ref('s.telemetry'), ['cameras']).as('c')])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('s.online', '=', 1)
      .where(jsonText(dialect, sql.ref('c.value'), ['flood']), 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async seen(edgeId: string): Promise<Seen | null> {
    const row = await this.q.db
      .selectFrom('edge_state')
      .select(['online', 'last_seen_at', 'availability_at'])
      .where('edge_id', '=', edgeId)
      .executeTakeFirst();
    return row ? { online: fromDbBool(row.online), lastSeenAt: row.last_seen_at, availabilityAt: row.availability_at } : null;
  }

  /**
   * Writes `values` to the box's row if it is still as `before` says (one conditional UPDATE), and
   * says whether it did. Under READ COMMITTED a second writer waits for the first and then finds the
   * row changed, so of two processes exactly one writes a given change.
   */
  private async writeIfUnchanged(
    edgeId: string,
    before: Seen,
    values: { online: boolean; offlineReason: string | null; lastSeenAt?: number; availabilityAt?: number; telemetry?: { json: string; at: number } },
  ): Promise<boolean> {
    const won = await this.q.db
      .updateTable('edge_state')
      .set({
        online: toDbBool(values.online),
        offline_reason: values.offlineReason,
        ...(values.lastSeenAt !== undefined ? { last_seen_at: values.lastSeenAt } : {}),
        ...(values.availabilityAt !== undefined ? { availability_at: values.availabilityAt } : {}),
        ...(values.telemetry ? { telemetry: values.telemetry.json, telemetry_at: values.telemetry.at } : {}),
      })
      .where('edge_id', '=', edgeId)
      .where('online', '=', toDbBool(before.online))
      .where('last_seen_at', before.lastSeenAt === null ? 'is' : '=', before.lastSeenAt)
      .where('availability_at', before.availabilityAt === null ? 'is' : '=', before.availabilityAt)
      .returning('edge_id')
      .executeTakeFirst();
    return won !== undefined;
  }

  /**
   * Reads the row and writes what `decide` makes of it, again while another writer changed it in
   * between. `decide` returns null to write nothing. Resolves to the row as it was before the write
   * this call made, or null (no such box, or nothing to write).
   */
  private async change(edgeId: string, decide: (before: Seen) => Parameters<Presence['writeIfUnchanged']>[2] | null): Promise<Seen | null> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const before = await this.seen(edgeId);
      if (!before) return null;
      const values = decide(before);
      if (!values) return null;
      if (await this.writeIfUnchanged(edgeId, before, values)) return before;
    }
    throw new Error(`presence of edge ${edgeId} kept changing under ${MAX_ATTEMPTS} attempts to write it`);
  }

  /**
   * Applies an availability message unless an earlier one arrives late: after a reconnect storm the
   * old connection's last will (stamped when that connection began) can follow the new "online".
   */
  async onAvailability(edgeId: string, availability: Availability): Promise<void> {
    const online = availability.state === 'online';
    const now = Date.now();
    const before = await this.change(edgeId, (row) =>
      row.availabilityAt !== null && row.availabilityAt > availability.ts
        ? null
        : {
            online,
            availabilityAt: availability.ts,
            ...(online ? { lastSeenAt: now } : {}),
            offlineReason: online ? null : 'the box went offline (last will or shutdown)',
          },
    );
    if (!before) return;
    this.logger.info({ edgeId, state: availability.state }, 'edge availability');
    if (online) this.cameOnline(edgeId, before, now);
    if (before.online && !online) this.bus.publish('edge.offline', { edgeId, at: now, reason: 'announced' });
  }

  async onTelemetry(edgeId: string, telemetry: Telemetry): Promise<void> {
    const now = Date.now();
    const json = JSON.stringify(telemetry);
    if (!(await this.heardWhileOnline(edgeId, now, json))) {
      const before = await this.change(edgeId, () => ({ online: true, offlineReason: null, lastSeenAt: now, telemetry: { json, at: now } }));
      if (!before) return;
      this.cameOnline(edgeId, before, now);
    }
    if (telemetry.speakers) await this.speakerChanges(edgeId, telemetry.speakers, now);
  }

  /**
   * Stores a heartbeat of a box already online, in one UPDATE on that condition, and says whether it
   * did. That is every heartbeat but a box's first (its "online" comes before): nothing changes state,
   * nothing is published, so the read that a change is decided against is not needed. A box that went
   * offline meanwhile is not written here (false): the caller takes it online and publishes that.
   */
  private async heardWhileOnline(edgeId: string, now: number, telemetryJson: string): Promise<boolean> {
    const written = await this.q.db
      .updateTable('edge_state')
      .set({ offline_reason: null, last_seen_at: now, telemetry: telemetryJson, telemetry_at: now })
      .where('edge_id', '=', edgeId)
      .where('online', '=', toDbBool(true))
      .returning('edge_id')
      .executeTakeFirst();
    return written !== undefined;
  }

  /**
   * Publishes each loudspeaker zone that went down (offline or muted) or came back (ok) against its
   * last known state (speaker_state: kept across restarts of the box and of the cloud). `unknown`
   * (not checked yet, as right after the box starts) changes nothing, so a zone down, then unknown,
   * then down again is published once. A zone first seen down is published: a technician should
   * hear of a dead speaker on a new box too. Each change is written only if the zone's state is
   * still the one read (an insert that does nothing on conflict, or an UPDATE on the old state), so
   * a change is published once.
   */
  private async speakerChanges(edgeId: string, speakers: SpeakerTelemetry[], at: number): Promise<void> {
    for (const speaker of speakers) {
      if (speaker.state === 'unknown') continue;
      const prior = await this.zoneChange(edgeId, speaker, at);
      if (prior === 'unchanged') continue;
      await this.history?.record({ edgeId, zone: speaker.zone, state: speaker.state, reason: speaker.reason, at });
      if (isDown(speaker.state) && !isDown(prior)) {
        this.bus.publish('speaker.offline', { edgeId, zone: speaker.zone, at, state: speaker.state as 'offline' | 'muted', reason: speaker.reason });
      } else if (speaker.state === 'ok' && isDown(prior)) {
        this.bus.publish('speaker.online', { edgeId, zone: speaker.zone, at });
      }
    }
  }

  /** Stores the zone's new state if it changed; its state before (undefined: first seen), or 'unchanged'. */
  private async zoneChange(edgeId: string, speaker: SpeakerTelemetry, at: number): Promise<SpeakerTelemetry['state'] | undefined | 'unchanged'> {
    const { db } = this.q;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await db.selectFrom('speaker_state').select('state').where('edge_id', '=', edgeId).where('zone', '=', speaker.zone).executeTakeFirst();
      const prior = row?.state as SpeakerTelemetry['state'] | undefined;
      if (prior === speaker.state) return 'unchanged';
      const written =
        prior === undefined
          ? await db
              .insertInto('speaker_state')
              .values({ edge_id: edgeId, zone: speaker.zone, state: speaker.state, changed_at: at, reason: speaker.reason })
              .onConflict((oc) => oc.columns(['edge_id', 'zone']).doNothing())
              .returning('zone')
              .executeTakeFirst()
          : await db
              .updateTable('speaker_state')
              .set({ state: speaker.state, changed_at: at, reason: speaker.reason })
              .where('edge_id', '=', edgeId)
              .where('zone', '=', speaker.zone)
              .where('state', '=', prior)
              .returning('zone')
              .executeTakeFirst();
      if (written) return prior;
    }
    throw new Error(`speaker zone ${speaker.zone} of edge ${edgeId} kept changing under ${MAX_ATTEMPTS} attempts to write it`);
  }

  /** `lastSeenAt` (before this message) tells a subscriber how long the box was silent. */
  private cameOnline(edgeId: string, before: Seen, at: number): void {
    if (!before.online) this.bus.publish('edge.online', { edgeId, at, lastSeenAt: before.lastSeenAt });
  }

  /**
   * Marks offline every box silent for more than MISSED_HEARTBEATS of its own interval. Returns the
   * ids. One `UPDATE … WHERE online = 1 … RETURNING`: of two processes sweeping at once, each box is
   * returned to (and published by) one.
   */
  async sweep(now = Date.now()): Promise<string[]> {
    const { db, dialect } = this.q;
    const stale = await db
      .updateTable('edge_state')
      .set({ online: 0, offline_reason: `missed ${MISSED_HEARTBEATS} heartbeats` })
      .where('online', '=', 1)
      .where('last_seen_at', 'is not', null)
      .where(
        (eb) =>
          sql<number>`${eb.ref('last_seen_at')} + ${MISSED_HEARTBEATS * 1000} * ${eb.fn.coalesce(jsonNumber(dialect, eb.ref('telemetry'), ['intervalS']), eb.val(this.defaultIntervalS))}`,
        '<',
        now,
      )
      .returning('edge_id')
      .execute();
    if (stale.length) {
      this.logger.warn({ edgeIds: stale.map((s) => s.edge_id) }, `edges marked offline after ${MISSED_HEARTBEATS} missed heartbeats`);
    }
    for (const { edge_id } of stale) this.bus.publish('edge.offline', { edgeId: edge_id, at: now, reason: 'missed_heartbeats' });
    return stale.map((s) => s.edge_id);
  }

  /**
   * After a restart nothing is known to be connected until it says so again. Not published: the
   * boxes did not go offline, the cloud forgot; each one's return is (with its last-seen time).
   */
  async resetAll(reason: string): Promise<void> {
    await this.q.db.updateTable('edge_state').set({ online: 0, offline_reason: reason }).where('online', '=', 1).execute();
  }

  /** The box is offline for this reason; `edge.offline` is published only by the statement that took it offline. */
  async markOffline(edgeId: string, reason: EdgeOfflineReason): Promise<void> {
    const { db } = this.q;
    const won = await db
      .updateTable('edge_state')
      .set({ online: 0, offline_reason: reason })
      .where('edge_id', '=', edgeId)
      .where('online', '=', 1)
      .returning('edge_id')
      .executeTakeFirst();
    if (won) this.bus.publish('edge.offline', { edgeId, at: Date.now(), reason });
    else await db.updateTable('edge_state').set({ offline_reason: reason }).where('edge_id', '=', edgeId).execute();
  }

  /** Sweeps every `sweepEveryMs`; a tick while the previous sweep still runs is skipped, and a failed sweep is logged. */
  start(sweepEveryMs = 1000): void {
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((err: unknown) => this.logger.error({ err }, 'presence sweep failed'))
        .finally(() => (this.sweeping = null));
    }, sweepEveryMs);
    this.timer.unref();
  }

  /** Stops the watchdog and waits for a sweep under way (before the database closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }
}
