import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudConfig } from '../../config.js';
import type { DomainEventBus } from '../../events/event-bus.js';
import type { Fleet } from '../../fleet/fleet.js';
import type { Leadership } from '../../cluster/leadership.js';
import { startMosquittoAccounts, type MosquittoAccountsHandle } from './start.js';

/**
 * The cloud's box accounts on an external Mosquitto, when SC_MQTT_URL and SC_MQTT_DYNSEC=1 say so;
 * null otherwise (the embedded broker checks credentials itself).
 */
export async function startBoxAccounts(
  config: CloudConfig,
  deps: { fleet: Fleet; bus: DomainEventBus; logger: Logger; leader: Leadership },
): Promise<MosquittoAccountsHandle | null> {
  if (config.SC_MQTT_DYNSEC !== '1') return null;
  if (!config.SC_MQTT_URL) throw new Error('SC_MQTT_DYNSEC=1 needs SC_MQTT_URL (the external Mosquitto, with the dynsec admin credential)');
  const { fleet } = deps;
  const handle = await startMosquittoAccounts({
    url: config.SC_MQTT_URL,
    keep: config.SC_MQTT_DYNSEC_KEEP,
    bus: deps.bus,
    source: fleet.credentials,
    logger: deps.logger,
    // only an online box can take new credentials live; an offline one keeps its account and is tried at the next reconcile
    rotateLive: leaderOnly(deps.leader, async (edgeId) => {
      const edge = await fleet.edges.get(edgeId);
      if (!edge.online) throw new Error('offline: its secret is sealed once it is rotated while online');
      await fleet.service.rotate(edgeId, null);
    }),
    republish: () => fleet.documents.republishAll(),
  });
  fleet.accountGate.attach(handle.accounts);
  // a process that becomes leader later rotates what the previous leader left: a reconcile now
  let atStart = true; // the reconcile of startMosquittoAccounts just ran
  const stopRotations = deps.leader.whileLeader('live rotations of unsealed boxes', () => {
    if (!atStart) void handle.reconcile().catch((err: unknown) => deps.logger.error({ err }, 'reconcile on becoming leader failed'));
    return () => undefined;
  });
  atStart = false;
  return {
    ...handle,
    async stop() {
      await stopRotations();
      fleet.accountGate.attach(null);
      await handle.stop();
    },
  };
}

/**
 * Every process reconciles (on its own admin connection), but only the leader rotates: two
 * processes rotating one box would each seal a secret, and the box would keep only one of them.
 */
export function leaderOnly(leader: Pick<Leadership, 'isLeader'>, rotate: (edgeId: string) => Promise<void>): (edgeId: string) => Promise<void> {
  return async (edgeId) => {
    if (!leader.isLeader()) throw new NotLeader();
    await rotate(edgeId);
  };
}

/** Thrown to the reconcile for a box a process that does not lead leaves to the leader. */
export class NotLeader extends Error {
  constructor() {
    super('left to the leading process');
    this.name = 'NotLeader';
  }
}
