import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueryDatabase } from '../../db/query/index.js';

export interface PushMetrics {
  /** Devices forgotten because their push service said 404/410. */
  devicesGone: Counter;
}

/**
 * Staff Web Push in a cloud's registry: the devices subscribed (counted when scraped) and those the
 * push services said are gone. Sends and failures are the outbox's (sc_notifications_*{channel="webpush"}).
 */
export function pushMetrics(registry: Registry, { db }: QueryDatabase): PushMetrics {
  new Gauge({
    name: 'sc_push_subscriptions',
    help: 'Staff devices subscribed to Web Push notifications',
    registers: [registry],
    // prom-client awaits an async collect before it renders the gauge
    async collect() {
      const { n } = await db.selectFrom('push_subscriptions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      this.set(Number(n));
    },
  });
  return {
    devicesGone: new Counter({ name: 'sc_push_devices_gone_total', help: 'Staff devices forgotten because their push service answered 404 or 410', registers: [registry] }),
  };
}
