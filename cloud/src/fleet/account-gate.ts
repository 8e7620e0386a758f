import type { Counter } from 'prom-client';
import type { Logger } from '@smart-commune/shared/runtime';

/**
 * Whatever keeps an external broker's box accounts (broker/mosquitto/box-accounts.ts): settles
 * once every change queued so far for the box has been applied there (rejects if it failed).
 */
export interface AccountApplier {
  applied(edgeId: string): Promise<void>;
}

export interface AccountGateDeps {
  /** SC_MQTT_DYNSEC_WAIT_MS: the longest a claim's answer waits. */
  timeoutMs: number;
  logger: Logger;
  waits: Counter<'event' | 'outcome'>;
}

/**
 * Makes a claim (or a live rotation) take effect before the technician's or the box's HTTP answer:
 * the box connects right after it, and an external broker that does not know its secret yet would
 * refuse it ("not authorised") and send it into back-off. Bounded: past the timeout the answer
 * goes anyway (logged and counted), since the account still arrives and the box retries. With the
 * embedded broker nothing is attached and nothing waits: it checks secrets in the database itself.
 */
export class AccountGate {
  private applier: AccountApplier | null = null;

  constructor(private readonly deps: AccountGateDeps) {}

  /** The broker's account keeper starts after the fleet (it reads the fleet's secrets), so it attaches later. */
  attach(applier: AccountApplier | null): void {
    this.applier = applier;
  }

  async settle(edgeId: string, event: 'claim' | 'rotation'): Promise<void> {
    const applier = this.applier;
    if (!applier) return;
    const { timeoutMs, logger, waits } = this.deps;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([applier.applied(edgeId).then(() => 'applied' as const), timedOut]);
      waits.inc({ event, outcome });
      if (outcome === 'timeout') logger.warn({ edgeId, event, timeoutMs }, "the box's broker account was not applied in time; answering anyway (it is applied when the broker gets to it)");
    } catch (err) {
      waits.inc({ event, outcome: 'failed' });
      logger.error({ edgeId, event, err: (err as Error).message, ms: Date.now() - started }, "the box's broker account could not be applied; answering anyway, the next reconcile repairs it");
    } finally {
      clearTimeout(timer);
    }
  }
}
