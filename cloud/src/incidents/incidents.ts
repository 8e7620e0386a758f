import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { incidentEventSchema, type IncidentEvent } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { edgeActor, type AuditLog } from '../audit/audit-log.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { ExportSigner } from '../evidence/signing-key.js';
import type { Guard } from '../http/access.js';
import { alwaysLeader, type LeaderGate } from '../cluster/leadership.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import type { CloudMetrics } from '../metrics.js';
import { PRIVATE_DIR } from '../private-files.js';
import { MEDIA_KINDS } from '../storage/media-key.js';
import type { MediaStore } from '../storage/media-store.js';
import type { UserStore } from '../users/user-store.js';
import { createIncidentDeviceRoutes } from './device-routes.js';
import { IncidentNotes } from './incident-notes.js';
import { IncidentReview } from './incident-review.js';
import { IncidentStore } from './incident-store.js';
import { IncidentVersions } from './incident-versions.js';
import { createIncidentsRoutes } from './incidents-routes.js';
import { MediaBudget } from './media-budget.js';
import { MediaFiles } from './media-files.js';
import { MediaIntake } from './media-intake.js';
import { createIncidentMediaRoutes } from './media-routes.js';
import { IncidentRetention } from './retention.js';

export interface IncidentsOptions {
  /** How often retention looks for incidents past their time. */
  retentionCheckMs: number;
  /** The clock retention measures age with (tests move it). */
  now(): number;
}

const DEFAULT_OPTIONS: IncidentsOptions = { retentionCheckMs: 3600_000, now: Date.now };

export interface IncidentsDeps {
  /** The query layer the incident stores run on. */
  query: QueryDatabase;
  /** Where incident events come from (`edge.event.incident`) and what happens to incidents goes. */
  bus: DomainEventBus;
  users: UserStore;
  audit: AuditLog;
  metrics: CloudMetrics;
  logger: Logger;
  config: CloudConfig;
  /** Signs evidence exports (evidence/signing-key.ts). */
  signer: ExportSigner;
  /** The cloud's one media store: snapshots and clips are kept there. */
  media: MediaStore;
  options?: Partial<IncidentsOptions>;
  /** Retention and the media budget run on one process of several (default: this one). */
  leader?: LeaderGate;
}

export type Incidents = Awaited<ReturnType<typeof createIncidents>>;

/** The incidents domain: what edges' rules caught, their verified files, police review, export and retention. */
export async function createIncidents(deps: IncidentsDeps) {
  const { bus, audit, metrics, logger, config } = deps;
  const options = { ...DEFAULT_OPTIONS, ...deps.options };
  const versions = new IncidentVersions(deps.query);
  const store = new IncidentStore(deps.query, versions);
  const notes = new IncidentNotes(deps.query);
  // uploads a crash cut short are the media store's to clean (server.ts), not this domain's
  const files = new MediaFiles(deps.media);
  // a bucket out of reach does not stop the cloud (alerts and the radio do not need it): the budget
  // counts from what this process stores until the next hourly count succeeds
  await files.recount().catch((err: unknown) => logger.error({ err, backend: deps.media.backend }, 'counting the incident media failed; counted again within the hour'));
  // an unset budget is half the volume of the local store's folder (made here so it can be measured)
  const volumeDir = deps.media.backend === 'local' ? join(config.SC_DATA_DIR, MEDIA_KINDS.incident.dir) : null;
  if (volumeDir) mkdirSync(volumeDir, { recursive: true, mode: PRIVATE_DIR });
  const review = new IncidentReview({ store, notes, users: deps.users, audit, bus });
  const maxBytes = { snapshot: config.SC_INCIDENT_SNAPSHOT_MAX_BYTES, clip: config.SC_INCIDENT_CLIP_MAX_BYTES };
  const budget = new MediaBudget({ query: deps.query, store, files, audit, metrics, logger, maxBytes: config.SC_INCIDENT_MEDIA_MAX_BYTES, volumeDir });
  const intake = new MediaIntake({ store, files, budget, audit, metrics, logger, maxBytes });
  const retention = new IncidentRetention({ store, files, audit, metrics, logger, retentionDays: config.SC_INCIDENT_RETENTION_DAYS, now: options.now });

  const apply = async (edgeId: string, eventId: string, ts: number, event: IncidentEvent, receivedAt: number) => {
    const result = await store.upsert(edgeId, eventId, ts, event, receivedAt);
    // evidence under review stays as it was; what the box said instead is on the record (audited
    // once the version is committed)
    if (result.outcome === 'versioned') {
      const details = { version: result.version, eventId, changed: result.changed };
      await audit.record({ actor: edgeActor(edgeId), action: 'incident.edge_version', target: `incident:${event.incidentId}`, details });
    }
    metrics.incidentsReceived.inc({ outcome: result.outcome });
    if (result.outcome === 'created' || result.outcome === 'updated') {
      const item = (await store.get(event.incidentId))!;
      const { hamletCode, severity, state } = item;
      const facts = { incidentId: item.id, edgeId, hamletCode, severity };
      if (result.outcome === 'created') {
        bus.publish('incident.opened', { ...facts, cameraId: item.cameraId, label: item.label, detectedAt: item.detectedAt, continues: item.continues });
      } else {
        const [objects, parts] = await Promise.all([store.objects(item.id), store.parts(item.id)]);
        bus.publish('incident.updated', { ...facts, state, objects: objects.length, parts: parts.length });
      }
      // closed from the start (an older box's incident) or now: said once
      if (state === 'closed' && (result.outcome === 'created' || result.wasOpen)) bus.publish('incident.closed', { ...facts, endedAt: item.endedAt });
    }
    if (result.outcome === 'foreign') logger.warn({ edgeId, incidentId: event.incidentId }, 'incident event for an incident of another edge ignored');
    if (result.outcome === 'versioned') logger.warn({ edgeId, incidentId: event.incidentId, changed: result.changed }, 'a box contradicted an incident under review: kept as a version');
  };
  // events stored while nobody listened are applied first; a live event waits for them, so each
  // box's events are applied in the order they came (the handler is async: the bus holds the next one)
  const catchUp = (async () => {
    const missed = await store.unapplied();
    for (const { body, receivedAt, ...stored } of missed) {
      try {
        await apply(stored.edgeId, stored.eventId, stored.ts, incidentEventSchema.parse(JSON.parse(body)), receivedAt);
      } catch (err) {
        logger.error({ err, ...stored }, 'failed to store an incident event');
      }
    }
    return missed.length;
  })();
  // a failure here is logged and counted by the bus (sc_domain_event_handler_errors_total)
  const unsubscribe = bus.subscribe(
    'edge.event.incident',
    async ({ edgeId, eventId, ts, body }) => {
      await catchUp;
      await apply(edgeId, eventId, ts, body, options.now());
    },
    'incidents',
  );
  const caughtUp = await catchUp;

  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = retention
      .sweep()
      .then(() => files.recount()) // what other cloud processes stored and deleted since
      .then(() => budget.changed())
      .catch((err: unknown) => logger.error({ err }, 'incident retention failed'))
      .then(() => budget.enforce()) // a budget lowered since the last start applies at once
      .catch((err: unknown) => logger.error({ err }, 'incident media budget failed'));
    return sweeping;
  };
  const stopSweeps = (deps.leader ?? alwaysLeader).whileLeader('incident retention', () => {
    void sweep();
    const timer = setInterval(() => void sweep(), options.retentionCheckMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await sweeping;
    };
  });
  // every process, leader or not, counts the stored bytes again as often (its uploads weigh against
  // the budget too): what the other processes stored and deleted since
  let recounting: Promise<unknown> = Promise.resolve();
  const recountTimer = setInterval(() => {
    recounting = files
      .recount()
      .then(() => budget.changed())
      .catch((err: unknown) => logger.warn({ err }, 'counting the incident media failed'));
  }, options.retentionCheckMs);
  recountTimer.unref();
  logger.info({ caughtUp, retentionDays: config.SC_INCIDENT_RETENTION_DAYS, media: budget.state() }, 'incidents ready');

  let stopped = false;
  return {
    store,
    versions,
    notes,
    review,
    files,
    budget,
    /** The public half of the export signing key (what recipients pin). */
    exportKey: { algorithm: deps.signer.algorithm, fingerprint: deps.signer.fingerprint, publicKeyPem: deps.signer.publicKeyPem },
    retention,
    routes(guard: Guard): Mount[] {
      return [
        { prefix: API_PREFIX, app: createIncidentsRoutes({ guard, audit, store, notes, versions, review }) },
        { prefix: API_PREFIX, app: createIncidentMediaRoutes({ guard, audit, review, notes, versions, files, store, signer: deps.signer }) },
        { prefix: API_PREFIX, app: createIncidentDeviceRoutes({ guard, intake, maxBytes: Math.max(maxBytes.snapshot, maxBytes.clip) }) },
      ];
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(recountTimer);
      await recounting;
      await stopSweeps(); // a sweep in progress finishes before the database closes
      await unsubscribe();
    },
  };
}
