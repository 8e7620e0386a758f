import type { Availability, Telemetry } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { CloudMetrics } from '../metrics.js';

/** Heartbeats a box may miss before the cloud calls it offline without waiting for its last will. */
export const MISSED_HEARTBEATS = 3;

/**
 * Online/offline and last-seen of every box, from its availability messages, its telemetry and the
 * heartbeat watchdog (a box that misses three heartbeats is offline even if its last will was lost).
 */
export class Presence {
  private timer: NodeJS.Timeout | null = null;
  private readonly storeTelemetry;
  private readonly isOnline;

  constructor(
    private readonly db: Db,
    private readonly metrics: CloudMetrics,
    private readonly logger: Logger,
    private readonly defaultIntervalS: number,
  ) {
    this.storeTelemetry = db.prepare(
      `UPDATE edge_state SET telemetry = ?, telemetry_at = ?, last_seen_at = ?, online = 1, offline_reason = NULL WHERE edge_id = ?`,
    );
    this.isOnline = db.prepare('SELECT online FROM edge_state WHERE edge_id = ?').pluck();
  }

  onAvailability(edgeId: string, availability: Availability): void {
    const online = availability.state === 'online';
    this.db
      .prepare(
        `UPDATE edge_state SET online = ?, availability_at = ?, last_seen_at = CASE WHEN ? THEN ? ELSE last_seen_at END,
           offline_reason = ? WHERE edge_id = ?`,
      )
      .run(Number(online), availability.ts, Number(online), Date.now(), online ? null : 'the box went offline (last will or shutdown)', edgeId);
    this.logger.info({ edgeId, state: availability.state }, 'edge availability');
    this.refreshGauge();
  }

  onTelemetry(edgeId: string, telemetry: Telemetry): void {
    const now = Date.now();
    const wasOnline = this.isOnline.get(edgeId) === 1;
    this.storeTelemetry.run(JSON.stringify(telemetry), now, now, edgeId);
    if (!wasOnline) this.refreshGauge();
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
      this.refreshGauge();
    }
    return stale.map((s) => s.edge_id);
  }

  /** After a restart nothing is known to be connected until it says so again. */
  resetAll(reason: string): void {
    this.db.prepare('UPDATE edge_state SET online = 0, offline_reason = ? WHERE online = 1').run(reason);
    this.refreshGauge();
  }

  markOffline(edgeId: string, reason: string): void {
    this.db.prepare('UPDATE edge_state SET online = 0, offline_reason = ? WHERE edge_id = ?').run(reason, edgeId);
    this.refreshGauge();
  }

  start(sweepEveryMs = 1000): void {
    this.timer = setInterval(() => this.sweep(), sweepEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private refreshGauge(): void {
    const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM edge_state WHERE online = 1').get() as { n: number };
    this.metrics.edgesOnline.set(n);
  }
}
