import type { Logger } from '@smart-commune/shared/runtime';
import type { DomainEventBus } from '../../events/event-bus.js';
import { MosquittoAccounts, type AccountSource, type ReconcileResult } from './box-accounts.js';
import { DynsecAdmin } from './dynsec-client.js';

export interface MosquittoAccountsOptions {
  /** SC_MQTT_URL: mqtt://user:password@host:port, the user being the dynsec administrator. */
  url: string;
  keep: readonly string[];
  bus: DomainEventBus;
  source: AccountSource;
  logger: Logger;
  rotateLive?: (edgeId: string) => Promise<void>;
  republish?: () => Promise<number>;
}

export interface MosquittoAccountsHandle {
  accounts: MosquittoAccounts;
  /** Runs a reconcile now (also run on every connection of the admin client). */
  reconcile(): Promise<ReconcileResult>;
  /** The last reconcile's outcome, null before the first one finished. */
  lastReconcile(): ReconcileResult | null;
  stop(): Promise<void>;
}

/** The admin credential is the one in the broker URL (one account the operator sets up; docs/operations.md). */
export function adminCredential(url: string): { url: string; username: string; password: string } {
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  if (!username || !password) throw new Error('SC_MQTT_DYNSEC=1 needs SC_MQTT_URL with the dynsec admin credential: mqtt://user:password@host:port');
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), username, password };
}

/**
 * Starts keeping Mosquitto's accounts in step: connects the admin client, reconciles (before this
 * resolves, and again after every reconnection) and follows the fleet's events.
 */
export async function startMosquittoAccounts(options: MosquittoAccountsOptions): Promise<MosquittoAccountsHandle> {
  const credential = adminCredential(options.url);
  const logger = options.logger;
  let accounts: MosquittoAccounts | null = null;
  let last: ReconcileResult | null = null;
  // reconciles never overlap: a reconnection during one waits for it, then runs its own
  let running: Promise<ReconcileResult> = Promise.resolve(null as unknown as ReconcileResult);
  const reconcile = () => {
    running = running
      .catch(() => null)
      .then(async () => {
        last = await accounts!.reconcile();
        return last;
      });
    return running;
  };
  const admin = await DynsecAdmin.connect({
    ...credential,
    logger,
    onConnect: async () => {
      if (accounts) await reconcile();
    },
  });
  accounts = new MosquittoAccounts({
    admin,
    source: options.source,
    keep: [credential.username, ...options.keep],
    logger,
    ...(options.rotateLive ? { rotateLive: options.rotateLive } : {}),
    ...(options.republish ? { republish: options.republish } : {}),
  });
  const unsubscribes = accounts.follow(options.bus);
  try {
    await reconcile();
  } catch (err) {
    await Promise.all(unsubscribes.map((u) => u()));
    await admin.close();
    throw err;
  }
  return {
    accounts,
    reconcile,
    lastReconcile: () => last,
    async stop() {
      await Promise.all(unsubscribes.map((u) => u()));
      await running.catch(() => undefined);
      await admin.close();
    },
  };
}
