import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../../db/database.js';
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
  db: Db;
  bus: DomainEventBus;
  history: SpeakerHistory;
  logger: Logger;
  /** SC_SPEAKER_ALARM_AFTER_S in ms. */
  alarmAfterMs: number;
  /** sc_speaker_alarms (on now) and sc_speaker_alarms_raised_total. */
  metrics?: Pick<CloudMetrics, 'countSpeakerAlarmsWith' | 'speakerAlarmsRaised'>;
  now?: () => number;
}

/** A zone that is down now and still part of its box's configuration (a zone removed is nobody's alarm). */
const DOWN_ZONES = `
  SELECT s.edge_id AS edgeId, s.zone, s.state, s.reason FROM speaker_state s JOIN edges e ON e.id = s.edge_id
  WHERE s.state IN ('offline', 'muted') AND e.status = 'active'
    AND EXISTS (SELECT 1 FROM documents d, json_each(d.body, '$.radio.speakers') sp
                WHERE d.edge_id = s.edge_id AND d.doc = 'config' AND json_valid(d.body) AND json_extract(sp.value, '$.zone') = s.zone)`;

/**
 * Raises an alarm for each loudspeaker zone down longer than the set time, and clears it when the
 * zone is back (or no longer configured, or its box revoked). Stored (speaker_alarms) so a restart
 * neither forgets one nor raises it twice; a sweep at a quarter of the delay (at most every 5 s)
 * decides, and each `speaker.online` sweeps at once so a banner goes as soon as the zone is back.
 */
export class SpeakerAlarms {
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: Unsubscribe | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: SpeakerAlarmsDeps) {
    this.now = deps.now ?? Date.now;
    const open = deps.db.prepare('SELECT COUNT(*) FROM speaker_alarms WHERE cleared_at IS NULL').pluck();
    deps.metrics?.countSpeakerAlarmsWith(() => open.get() as number);
  }

  start(): void {
    const every = Math.max(100, Math.min(5000, this.deps.alarmAfterMs / 4));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
    this.unsubscribe = this.deps.bus.subscribe('speaker.online', () => void this.sweep());
    this.sweep();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Raises what is due and clears what is over; returns what changed (for tests and logs). */
  sweep(): { raised: number; cleared: number } {
    const { db, history, bus, alarmAfterMs } = this.deps;
    const now = this.now();
    const down = db.prepare(DOWN_ZONES).all() as { edgeId: string; zone: string; state: 'offline' | 'muted'; reason: string | null }[];
    const downKeys = new Set(down.map((d) => `${d.edgeId}|${d.zone}`));
    const open = db.prepare('SELECT id, edge_id AS edgeId, zone, down_since AS downSince FROM speaker_alarms WHERE cleared_at IS NULL').all() as {
      id: number;
      edgeId: string;
      zone: string;
      downSince: number;
    }[];
    const openKeys = new Set(open.map((a) => `${a.edgeId}|${a.zone}`));
    let cleared = 0;
    for (const alarm of open) {
      if (downKeys.has(`${alarm.edgeId}|${alarm.zone}`)) continue;
      db.prepare('UPDATE speaker_alarms SET cleared_at = ? WHERE id = ?').run(now, alarm.id);
      cleared++;
      this.deps.logger.info({ edgeId: alarm.edgeId, zone: alarm.zone, downMs: now - alarm.downSince }, 'loudspeaker zone alarm cleared');
      bus.publish('speaker.alarm.cleared', { edgeId: alarm.edgeId, zone: alarm.zone, at: now, downSince: alarm.downSince });
    }
    let raised = 0;
    for (const zone of down) {
      if (openKeys.has(`${zone.edgeId}|${zone.zone}`)) continue;
      const downSince = history.downSince(zone.edgeId, zone.zone);
      if (downSince === null || now - downSince < alarmAfterMs) continue;
      const added = db
        // the alarm is its box's commune's (issue 10): the commune of the box's hamlet when raised
        .prepare(
          `INSERT OR IGNORE INTO speaker_alarms (edge_id, zone, state, reason, down_since, raised_at, commune_code)
           VALUES (?, ?, ?, ?, ?, ?, (SELECT h.commune_code FROM edges e JOIN hamlets h ON h.code = e.hamlet_code WHERE e.id = ?))`,
        )
        .run(zone.edgeId, zone.zone, zone.state, zone.reason, downSince, now, zone.edgeId).changes;
      if (!added) continue;
      raised++;
      this.deps.metrics?.speakerAlarmsRaised.inc();
      this.deps.logger.warn({ edgeId: zone.edgeId, zone: zone.zone, state: zone.state, reason: zone.reason, downMs: now - downSince }, 'loudspeaker zone alarm raised');
      bus.publish('speaker.alarm.raised', { edgeId: zone.edgeId, zone: zone.zone, at: now, downSince, state: zone.state, reason: zone.reason });
    }
    return { raised, cleared };
  }

  /** The alarms on now, oldest down first; with `communeCode`, those of that commune's boxes only (where the box is now). */
  active(filter: { communeCode?: string } = {}): SpeakerAlarm[] {
    const commune = filter.communeCode ? ' AND h.commune_code = ?' : '';
    return this.deps.db
      .prepare(
        `SELECT a.edge_id AS edgeId, e.name AS edgeName, e.hamlet_code AS hamletCode, h.name AS hamletName, a.zone, a.state, a.reason,
           a.down_since AS downSince, a.raised_at AS raisedAt
         FROM speaker_alarms a JOIN edges e ON e.id = a.edge_id LEFT JOIN hamlets h ON h.code = e.hamlet_code
         WHERE a.cleared_at IS NULL${commune} ORDER BY a.down_since, a.edge_id, a.zone`,
      )
      .all(...(filter.communeCode ? [filter.communeCode] : [])) as SpeakerAlarm[];
  }
}
