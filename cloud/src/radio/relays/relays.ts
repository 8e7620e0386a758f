import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../../audit/audit-log.js';
import type { CloudConfig } from '../../config.js';
import type { QueryDatabase } from '../../db/query/index.js';
import type { Guard } from '../../http/access.js';
import type { CloudMetrics } from '../../metrics.js';
import type { PlaybackStore } from '../playback/playback-store.js';
import type { EdgeDirectory } from '../plan/edge-directory.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import type { RelayLiveSessions } from './live-port.js';
import { RelayRunStore } from './relay-run-store.js';
import { RelayScheduler } from './relay-scheduler.js';
import { RelayService } from './relay-service.js';
import { createRelaysRoutes } from './relays-routes.js';
import type { StationStore } from './station-store.js';

export interface RelaysDeps {
  query: QueryDatabase;
  stations: StationStore;
  live: RelayLiveSessions;
  playback: Pick<PlaybackStore, 'progressByHamlet'>;
  schedules: Pick<ScheduleService, 'occurrences'>;
  directory: EdgeDirectory;
  audit: AuditLog;
  metrics: CloudMetrics;
  logger: Logger;
  config: Pick<CloudConfig, 'SC_RELAY_SWITCH_AFTER_FAILURES' | 'SC_RELAY_RECONNECT_FIRST_S' | 'SC_RELAY_RECONNECT_MAX_S' | 'SC_RELAY_STALL_S' | 'SC_RELAY_PREBUFFER_MS' | 'SC_RELAY_PLAYOUT_MS'>;
  now(): number;
  /** How often scheduled windows are looked for (each start is then timed to the millisecond). */
  tickMs?: number;
  /** False when other cloud processes may be relaying now (PostgreSQL): their open runs are not this start's to close. */
  soleProcess?: boolean;
  /** This cloud process's id (cluster/process-registry.ts), recorded as the owner of its runs. */
  processId?: string;
}

/**
 * Station relays (tiếp sóng): stations, the relays on air, the scheduler of relay windows, their
 * routes. The runs a stopped cloud left open are closed before it returns.
 */
export async function createRelays(deps: RelaysDeps) {
  const { config } = deps;
  const runs = new RelayRunStore(deps.query);
  const relays = new RelayService({
    stations: deps.stations,
    runs,
    live: deps.live,
    playback: deps.playback,
    puller: {
      switchAfterFailures: config.SC_RELAY_SWITCH_AFTER_FAILURES,
      reconnectFirstMs: config.SC_RELAY_RECONNECT_FIRST_S * 1000,
      reconnectMaxMs: Math.max(config.SC_RELAY_RECONNECT_MAX_S, config.SC_RELAY_RECONNECT_FIRST_S) * 1000,
      stallMs: config.SC_RELAY_STALL_S * 1000,
      prebufferMs: config.SC_RELAY_PREBUFFER_MS,
    },
    playoutMs: config.SC_RELAY_PLAYOUT_MS,
    metrics: deps.metrics,
    logger: deps.logger,
    now: deps.now,
    processId: deps.processId,
  });
  if (deps.soleProcess ?? true) await relays.recover();
  const scheduler = new RelayScheduler({
    occurrences: (from, to) => deps.schedules.occurrences(from, to),
    relays,
    runs,
    logger: deps.logger,
    now: deps.now,
    tickMs: deps.tickMs ?? 1000,
  });
  return {
    relays,
    runs,
    scheduler,
    start: () => scheduler.start(),
    /** Before the live sessions close: each relay records what it played, ends its session, and is taken up again at the next start if its window is not over. */
    async stop() {
      scheduler.stop();
      await relays.close();
    },
    routes: (guard: Guard) =>
      createRelaysRoutes({ guard, stations: deps.stations, relays, directory: deps.directory, audit: deps.audit, checkTimeoutMs: config.SC_RELAY_STALL_S * 1000, now: deps.now }),
  };
}
