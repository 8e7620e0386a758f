import { join } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import type { CloudConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Guard } from '../http/access.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import type { CloudMetrics } from '../metrics.js';
import { loadReleaseKeys } from './manifest.js';
import { createReleaseMetrics } from './release-metrics.js';
import { ReleaseStore } from './release-store.js';
import { createReleasesRoutes } from './releases-routes.js';
import { RolloutEngine } from './rollout-engine.js';
import { RolloutStore } from './rollout-store.js';

export interface ReleasesDeps {
  db: Db;
  fleet: Fleet;
  bus: DomainEventBus;
  audit: AuditLog;
  metrics: CloudMetrics;
  logger: Logger;
  config: CloudConfig;
}

export type Releases = ReturnType<typeof createReleases>;

/** Where the province's release public keys are read from. */
export const releaseKeysFile = (config: CloudConfig) => config.SC_RELEASE_KEYS_FILE ?? join(config.SC_DATA_DIR, 'keys', 'release-keys.json');

/** The releases domain: stored signed bundles, rollouts in waves, the boxes' downloads. */
export function createReleases(deps: ReleasesDeps) {
  const { db, fleet, bus, audit, logger, config } = deps;
  const store = new ReleaseStore(db, join(config.SC_DATA_DIR, 'releases'));
  const rollouts = new RolloutStore(db);
  const metrics = createReleaseMetrics(deps.metrics.registry, () => rollouts.countsByState());
  const engine = new RolloutEngine({ store: rollouts, releases: store, edges: fleet.edges, documents: fleet.documents, bus, audit, logger });
  const keysFile = releaseKeysFile(config);
  const upload = { store, publicKeys: () => loadReleaseKeys(keysFile), maxBytes: config.SC_RELEASE_MAX_BYTES, audit, metrics, logger };

  const unsubscribe = bus.subscribe('edge.event.update', ({ edgeId, ts, body }) => engine.onUpdate(edgeId, ts, body), 'releases');
  let ticking: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // one look at a time: a slow look (many boxes to send) is not overlapped by the next
    ticking = ticking.then(() => engine.tick()).catch((err: Error) => logger.error({ err }, 'rollout tick failed'));
  }, config.SC_ROLLOUT_TICK_MS);
  timer.unref();

  return {
    store,
    rollouts,
    engine,
    routes(guard: Guard): Mount[] {
      return [{ prefix: API_PREFIX, app: createReleasesRoutes({ guard, upload, engine, rollouts }) }];
    },
    async stop() {
      clearInterval(timer);
      await ticking;
      await unsubscribe();
    },
  };
}
