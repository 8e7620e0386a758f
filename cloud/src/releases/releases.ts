import { join } from 'node:path';
import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import type { CloudConfig } from '../config.js';
import type { QueryDatabase } from '../db/query/connect.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Guard } from '../http/access.js';
import { alwaysLeader, type LeaderGate } from '../cluster/leadership.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import type { CloudMetrics } from '../metrics.js';
import { loadReleaseKeys } from './manifest.js';
import { createKeyRotationRoutes } from './key-rotation-routes.js';
import { KeyRotationStore } from './key-rotation-store.js';
import { KeyRotations } from './key-rotations.js';
import { createReleaseMetrics } from './release-metrics.js';
import { ReleaseStore } from './release-store.js';
import { createReleasesRoutes } from './releases-routes.js';
import { RolloutEngine } from './rollout-engine.js';
import { RolloutStore } from './rollout-store.js';
import { boxFilterOf } from '../fleet/box-scope.js';

export interface ReleasesDeps {
  /** The query layer: releases, rollouts and key rotations. */
  query: QueryDatabase;
  fleet: Fleet;
  bus: DomainEventBus;
  audit: AuditLog;
  metrics: CloudMetrics;
  logger: Logger;
  config: CloudConfig;
  /** Rollout waves and key rotation retries run on one process of several (default: this one). */
  leader?: LeaderGate;
}

export type Releases = ReturnType<typeof createReleases>;

/** Where the province's release public keys are read from. */
export const releaseKeysFile = (config: CloudConfig) => config.SC_RELEASE_KEYS_FILE ?? join(config.SC_DATA_DIR, 'keys', 'release-keys.json');

/** The releases domain: stored signed bundles, rollouts in waves, the boxes' downloads. */
export function createReleases(deps: ReleasesDeps) {
  const { fleet, bus, audit, logger, config } = deps;
  const store = new ReleaseStore(deps.query, join(config.SC_DATA_DIR, 'releases'));
  const rollouts = new RolloutStore(deps.query);
  const metrics = createReleaseMetrics(deps.metrics.registry, () => rollouts.countsByState());
  const engine = new RolloutEngine({ store: rollouts, releases: store, edges: fleet.edges, documents: fleet.documents, bus, audit, logger });
  const keysFile = releaseKeysFile(config);
  const upload = { store, publicKeys: () => loadReleaseKeys(keysFile), maxBytes: config.SC_RELEASE_MAX_BYTES, audit, metrics, logger };

  const unsubscribe = bus.subscribe('edge.event.update', ({ edgeId, ts, body }) => engine.onUpdate(edgeId, ts, body), 'releases');
  // key rotations from the cloud: a box that was offline gets its pending ones when it is back
  const keyRotations = new KeyRotations({ query: deps.query, store: new KeyRotationStore(deps.query), edges: fleet.edges, commands: fleet.commands, contracts: fleet.contracts, audit, logger,
    // a rotation's target "the boxes of one rollout": those the person sees, none for a rollout they do not
    rolloutBoxes: async (id, person) => ((await rollouts.find(id, boxFilterOf(person))) ? (await rollouts.boxes(id, boxFilterOf(person))).map((b) => b.edgeId) : null),
    onAnswer: (outcome, code) => metrics.keyRotationAnswers.inc({ outcome, code }),
  });
  const unsubscribeOnline = bus.subscribe('edge.online', ({ edgeId }) => keyRotations.retry(edgeId), 'key-rotations');
  const unsubscribeContract = bus.subscribe('edge.contract', ({ edgeId }) => keyRotations.retry(edgeId), 'key-rotations');
  // and a look now and then, for a box that came back before the cloud called it offline (its request was lost)
  const leader = deps.leader ?? alwaysLeader;
  const stopRetries = leader.whileLeader('key rotation retries', () => {
    const retryTimer = setInterval(() => void keyRotations.retryAll().catch((err: Error) => logger.error({ err }, 'key rotation retry failed')), config.SC_KEY_ROTATION_RETRY_S * 1000);
    retryTimer.unref();
    return () => clearInterval(retryTimer);
  });
  let ticking: Promise<void> = Promise.resolve();
  const stopTicks = leader.whileLeader('rollout waves', () => {
    const timer = setInterval(() => {
      // one look at a time: a slow look (many boxes to send) is not overlapped by the next
      ticking = ticking.then(() => engine.tick()).catch((err: Error) => logger.error({ err }, 'rollout tick failed'));
    }, config.SC_ROLLOUT_TICK_MS);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await ticking;
    };
  });

  return {
    store,
    rollouts,
    engine,
    keyRotations,
    routes(guard: Guard): Mount[] {
      return [
        { prefix: API_PREFIX, app: createReleasesRoutes({ guard, upload, engine, rollouts }) },
        { prefix: API_PREFIX, app: createKeyRotationRoutes({ guard, rotations: keyRotations }) },
      ];
    },
    async stop() {
      await stopTicks();
      await stopRetries();
      await unsubscribe();
      await unsubscribeOnline();
      await unsubscribeContract();
    },
  };
}
