import type { CameraStatus, EventBody, EventKind, LiveEndReason, LiveSource, Priority, ReviewSeverity } from '@smart-commune/shared';
import type { ReviewStatus } from '../incidents/incident-records.js';
import type { AlertKind, AlertSeverity } from '../radio/alerts/alert-kinds.js';
import type { ReportCategory, ReportStatus } from '../reports/report-schemas.js';

/*
 * What happened in the cloud's domains, by event name. Payloads carry ids and the few facts a
 * subscriber needs to decide whether it cares (hamlet, priority, status); the rest is read from the
 * domain by id. Times are epoch ms. The table in docs/architecture.md ("Domain events") says when
 * each is published; keep the two together.
 */

/** A fact a box reported on `events/{kind}`, stored once by its eventId, its body as shared's schema decoded it. */
export interface BoxEvent<K extends EventKind = EventKind> {
  edgeId: string;
  eventId: string;
  /** When it happened on the box. */
  ts: number;
  body: EventBody<K>;
}

/** `edge.event.lifecycle`, `edge.event.playback`, `edge.event.camera`, `edge.event.incident`, `edge.event.discovery`. */
export type BoxEvents = { [K in EventKind as `edge.event.${K}`]: BoxEvent<K> };

/** Why the cloud now calls a box offline. */
export type EdgeOfflineReason = 'announced' | 'missed_heartbeats' | 'revoked';

/** Why an alert stopped sounding. */
export type AlertStopReason = 'cancelled' | 'replaced' | 'expired';

export interface DomainEvents extends BoxEvents {
  /**
   * A box was claimed: it holds a fresh secret (the only valid one) and is active. An external
   * broker's account for it is created or given that secret (broker/mosquitto/).
   */
  'edge.claimed': { edgeId: string; at: number };
  /** A box's rotated secret became its only valid one (the box confirmed it, or first logged in with it). */
  'edge.credentials_rotated': { edgeId: string; at: number };
  /** A box's credentials were withdrawn: revoked by a technician, or an offline box's rotation (it must be claimed again). */
  'edge.revoked': { edgeId: string; at: number; reason: 'revoked' | 'rotated_offline' };
  /** A box was deleted (after being revoked). */
  'edge.deleted': { edgeId: string; at: number };
  /** A box the cloud called offline reports again (availability online or telemetry). */
  'edge.online': { edgeId: string; at: number; lastSeenAt: number | null };
  /** A box the cloud called online is now offline: it said so (last will or shutdown), went silent, or was revoked. */
  'edge.offline': { edgeId: string; at: number; reason: EdgeOfflineReason };
  /** A box announced another contract revision or features than before (an update, a rollback, its first telemetry): `previous` null the first time. */
  'edge.contract': { edgeId: string; at: number; version: number; previous: number | null };
  /** A camera stream of a box came back to streaming after reconnecting or failing. */
  'camera.online': { edgeId: string; cameraId: string; at: number };
  /** A camera stream of a box started reconnecting or failed. */
  'camera.offline': { edgeId: string; cameraId: string; at: number; status: Extract<CameraStatus, 'reconnecting' | 'failed'>; error: string | null };
  /**
   * A loudspeaker zone of a box reports offline (unreachable or failed) or muted (reachable, silent)
   * in telemetry, and its previous report was neither (or there was none).
   */
  'speaker.offline': { edgeId: string; zone: string; at: number; state: 'offline' | 'muted'; reason: string | null };
  /** A loudspeaker zone reported offline or muted is `ok` again. */
  'speaker.online': { edgeId: string; zone: string; at: number };
  /**
   * A loudspeaker zone has been down (offline or muted by the speaker itself) for longer than
   * SC_SPEAKER_ALARM_AFTER_S: the console shows a banner and operators and technicians are notified.
   */
  'speaker.alarm.raised': { edgeId: string; zone: string; at: number; downSince: number; state: 'offline' | 'muted'; reason: string | null };
  /** A raised zone alarm ended: the zone is ok again (or was removed from the box). */
  'speaker.alarm.cleared': { edgeId: string; zone: string; at: number; downSince: number };
  /**
   * The first report of a new incident (review item) from a box's rule. `severity` decides who hears
   * of it: alerts are the police queue (and notified), detections are kept for search. `continues`
   * names the item this one continues (the earlier one reached its maximum length).
   */
  'incident.opened': {
    incidentId: string;
    edgeId: string;
    hamletCode: string | null;
    cameraId: string;
    label: string;
    detectedAt: number;
    severity: ReviewSeverity;
    continues: string | null;
  };
  /** A later report changed an item (an object joined, a clip part arrived in its metadata, it closed). */
  'incident.updated': { incidentId: string; edgeId: string; hamletCode: string | null; severity: ReviewSeverity; state: 'open' | 'closed'; objects: number; parts: number };
  /** An item ended: the box reported it closed (the first report that did). */
  'incident.closed': { incidentId: string; edgeId: string; hamletCode: string | null; severity: ReviewSeverity; endedAt: number | null };
  /** Police or an admin moved an incident along its review (new → reviewing → confirmed | dismissed, or back to reviewing). */
  'incident.reviewed': { incidentId: string; hamletCode: string | null; from: ReviewStatus; to: ReviewStatus; by: string };
  /** An emergency alert was stored and broadcast; `hamletCodes` are the hamlets it reaches. */
  'alert.started': {
    alertId: string;
    version: number;
    priority: Priority;
    severity: AlertSeverity;
    kind: AlertKind;
    origin: 'json' | 'cap';
    hamletCodes: string[];
    startsAt: number;
    expiresAt: number;
    /** The earlier alert a CAP Update replaced. */
    replaces: string | null;
  };
  /** A box of the hamlet reported the alert's first start there (proof of play). */
  'alert.delivered': { alertId: string; hamletCode: string; edgeId: string; startedAt: number };
  'alert.stopped': { alertId: string; reason: AlertStopReason; at: number };
  /** A live session (the operator's voice, a relay) went on air; `epoch` is when its first sample plays on the loudspeakers. */
  'live.started': { sessionId: string; source: LiveSource; priority: Priority; hamletCodes: string[]; edges: string[]; startedBy: string | null; epoch: number };
  /** A live session ended: stopped, its input went away (interrupted), or failed; its stream and recording are complete. */
  'live.ended': { sessionId: string; source: LiveSource; reason: LiveEndReason; detail: string | null; endedAt: number; durationMs: number };
  /** The recording of a voice session became an archive bulletin. */
  'live.archived': { sessionId: string; bulletinId: string };
  /** A citizen filed a report (phản ánh). */
  'report.received': { reportId: string; code: string; category: ReportCategory; hamletCode: string; communeCode: string | null };
  'report.status_changed': { reportId: string; code: string; hamletCode: string; communeCode: string | null; from: ReportStatus; to: ReportStatus; by: string };
  /**
   * An enabled schedule now plays a bulletin (created so, enabled, or given another bulletin): the
   * bulletin is on the public notices page. Published per schedule, so also for a bulletin another
   * schedule already made public.
   */
  'bulletin.scheduled': { bulletinId: string; scheduleId: string; hamletCodes: string[]; firstStartAt: number | null };
  /** An admin started rolling a release out to boxes (issue 15). */
  'rollout.created': { rolloutId: string; version: string; boxes: number; by: string };
  /** A wave's boxes were sent the release (the first wave at creation, later ones after the soak, again on resume). */
  'rollout.wave_started': { rolloutId: string; version: string; wave: number; boxes: number };
  /** A box of a rollout failed its update (download, check, install) or its supervisor went back to the previous version. */
  'rollout.box_failed': { rolloutId: string; edgeId: string; version: string; state: 'failed' | 'rolled_back'; reason: string | null };
  /** A rollout stopped sending the release: by an admin, or by itself when a wave's failures passed the threshold. */
  'rollout.paused': { rolloutId: string; version: string; reason: string; automatic: boolean; by: string };
  'rollout.resumed': { rolloutId: string; version: string; by: string };
  /** Every wave done and soaked (completed), or cancelled by an admin. */
  'rollout.finished': { rolloutId: string; version: string; state: 'completed' | 'cancelled' };
}

export type DomainEventName = keyof DomainEvents;
