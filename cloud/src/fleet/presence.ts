import type { Availability, SpeakerTelemetry, Telemetry } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { EdgeOfflineReason } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { CloudMetrics } from '../metrics.js';
import type { SpeakerHistory } from './speakers/speaker-history.js';

/** Heartbeats a box may miss before the cloud calls it offline without waiting for its last will. */
export const MISSED_HEARTBEATS = 3;

interface Seen {
  online: number;
  last_seen_at: number | null;
}

const isDown = (state: SpeakerTelemetry['state'] | undefined) => state === 'offline' || state === 'muted';

/**
 * Online/offline and last-seen of every box, from its availability messages, its telemetry and the
 * heartbeat watchdog (a box that misses three heartbeats is offline even if its last will was lost).
 * Each change between online and offline is published (`edge.online`, `edge.offline`).
 */
export class Presence {
  private timer: NodeJS.Timeout | null = null;
  private readonly storeTelemetry;
  private readonly storeAvailability;
  private readonly seen;
  private readonly speakerState;
  private readonly saveSpeakerState;

  constructor(
    private readonly db: Db,
    metrics: CloudMetrics,
    private readonly logger: Logger,
    private readonly defaultIntervalS: number,
    private readonly bus: DomainEventBus,
    /** Where each zone's state change is kept (the box page's history, the monthly uptime). */
    private readonly history?: SpeakerHistory,
  ) {
    this.seen = db.prepare('SELECT online, last_seen_at FROM edge_state WHERE edge_id = ?');
    this.speakerState = db.prepare('SELECT state FROM speaker_state WHERE edge_id = ? AND zone = ?').pluck();
    this.saveSpeakerState = db.prepare(
      `INSERT INTO speaker_state (edge_id, zone, state, changed_at, reason) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (edge_id, zone) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at, reason = excluded.reason`,
    );
    this.storeTelemetry = db.prepare(
      `UPDATE edge_state SET telemetry = ?, telemetry_at = ?, last_seen_at = ?, online = 1, offline_reason = NULL WHERE edge_id = ?`,
    );
    const countOnline = db.prepare('SELECT COUNT(*) FROM edge_state WHERE online = 1').pluck();
    metrics.countOnlineWith(() => countOnline.get() as number);
    const childProcesses = db.prepare("SELECT edge_id, telemetry FROM edge_state WHERE telemetry IS NOT NULL AND telemetry LIKE '%childProcesses%'");
    metrics.childProcessesWith(() =>
      (childProcesses.all() as { edge_id: string; telemetry: string }[]).flatMap((row) =>
        Object.entries((JSON.parse(row.telemetry) as Telemetry).childProcesses ?? {}).map(([tool, count]) => ({ edge: row.edge_id, tool, count })),
      ),
    );
    const countFlooding = db
      .prepare(`SELECT COUNT(*) FROM edge_state s, json_each(s.telemetry, '$.cameras') c WHERE s.online = 1 AND json_extract(c.value, '$.flood') IS NOT NULL`)
      .pluck();
    metrics.countFloodingWith(() => countFlooding.get() as number);
    this.storeAvailability = db.prepare(
      `UPDATE edge_state SET online = ?, availability_at = ?, last_seen_at = CASE WHEN ? THEN ? ELSE last_seen_at END, offline_reason = ?
       WHERE edge_id = ? AND (availability_at IS NULL OR availability_at <= ?)`,
    );
  }

  /**
   * Applies an availability message unless an earlier one arrives late: after a reconnect storm the
   * old connection's last will (stamped when that connection began) can follow the new "online".
   */
  onAvailability(edgeId: string, availability: Availability): void {
    const online = availability.state === 'online';
    const before = this.seen.get(edgeId) as Seen | undefined;
    const now = Date.now();
    const applied = this.storeAvailability.run(
      Number(online),
      availability.ts,
      Number(online),
      now,
      online ? null : 'the box went offline (last will or shutdown)',
      edgeId,
      availability.ts,
    ).changes;
    if (!applied) return;
    this.logger.info({ edgeId, state: availability.state }, 'edge availability');
    if (before && online) this.cameOnline(edgeId, before, now);
    if (before?.online && !online) this.bus.publish('edge.offline', { edgeId, at: now, reason: 'announced' });
  }

  onTelemetry(edgeId: string, telemetry: Telemetry): void {
    const before = this.seen.get(edgeId) as Seen | undefined;
    const now = Date.now();
    this.storeTelemetry.run(JSON.stringify(telemetry), now, now, edgeId);
    if (before) this.cameOnline(edgeId, before, now);
    if (before && telemetry.speakers) this.speakerChanges(edgeId, telemetry.speakers, now);
  }

  /**
   * Publishes each loudspeaker zone that went down (offline or muted) or came back (ok) against its
   * last known state (speaker_state: kept across restarts of the box and of the cloud). `unknown`
   * (not checked yet, as right after the box starts) changes nothing, so a zone down, then unknown,
   * then down again is published once. A zone first seen down is published: a technician should
   * hear of a dead speaker on a new box too.
   */
  private speakerChanges(edgeId: string, speakers: SpeakerTelemetry[], at: number): void {
    for (const speaker of speakers) {
      if (speaker.state === 'unknown') continue;
      const prior = this.speakerState.get(edgeId, speaker.zone) as SpeakerTelemetry['state'] | undefined;
      if (prior === speaker.state) continue;
      this.saveSpeakerState.run(edgeId, speaker.zone, speaker.state, at, speaker.reason);
      this.history?.record({ edgeId, zone: speaker.zone, state: speaker.state, reason: speaker.reason, at });
      if (isDown(speaker.state) && !isDown(prior)) {
        this.bus.publish('speaker.offline', { edgeId, zone: speaker.zone, at, state: speaker.state as 'offline' | 'muted', reason: speaker.reason });
      } else if (speaker.state === 'ok' && isDown(prior)) {
        this.bus.publish('speaker.online', { edgeId, zone: speaker.zone, at });
      }
    }
  }

  /** `lastSeenAt` (before this message) tells a subscriber how long the box was silent. */
  private cameOnline(edgeId: string, before: Seen, at: number): void {
    if (!before.online) this.bus.publish('edge.online', { edgeId, at, lastSeenAt: before.last_seen_at });
  }

  /** Marks offline every box silent for more than MISSED_HEARTBEATS of its own interval. Returns the ids. */
  sweep(now = Date.now()): string[] {
    const stale = this.db
      .prepare(
        `UPDATE edge_state SET online = 0, offline_reason = 'missed ${MISSED_HEARTBEATS} heartbeats'
         WHERE online = 1 AND last_seen_at IS NOT NULL
           AND last_seen_at + ${MISSED_HEARTBEATS} * 1000 * COALESCE(json_extract(telemetry, '$.intervalS'), ?) < ?
         RETURNING edge_id`,
      )
      .all(this.defaultIntervalS, now) as { edge_id: string }[];
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
  resetAll(reason: string): void {
    this.db.prepare('UPDATE edge_state SET online = 0, offline_reason = ? WHERE online = 1').run(reason);
  }

  markOffline(edgeId: string, reason: EdgeOfflineReason): void {
    const before = this.seen.get(edgeId) as Seen | undefined;
    this.db.prepare('UPDATE edge_state SET online = 0, offline_reason = ? WHERE edge_id = ?').run(reason, edgeId);
    if (before?.online) this.bus.publish('edge.offline', { edgeId, at: Date.now(), reason });
  }

  start(sweepEveryMs = 1000): void {
    this.timer = setInterval(() => this.sweep(), sweepEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

}
