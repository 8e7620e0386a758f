import type { Logger } from '@smart-commune/shared/runtime';
import type { BrokerLink } from '../broker/link.js';
import type { CloudConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Guard } from '../http/access.js';
import type { Mount } from '../http/app.js';
import type { CloudMetrics } from '../metrics.js';

export interface RadioDeps {
  db: Db;
  broker: BrokerLink;
  fleet: Fleet;
  metrics: CloudMetrics;
  logger: Logger;
  config: CloudConfig;
}

export type Radio = Awaited<ReturnType<typeof createRadio>>;

/** The radio domain: bulletins, schedules, per-edge plans, emergency alerts and proof of play. */
export async function createRadio(_deps: RadioDeps) {
  return {
    routes(_guard: Guard): Mount[] {
      return [];
    },
    async stop() {},
  };
}
