import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../../db/database.js';

export interface PushMetrics {
  /** Devices forgotten because their push service said 404/410. */
  devicesGone: Counter;
}

/**
 * Staff Web Push in a cloud's registry: the devices subscribed (counted when scraped) and those the
 * push services said are gone. Sends and failures are the outbox's (sc_notifications_*{channel="webpush"}).
 */
export function pushMetrics(registry: Registry, db: Db): PushMetrics {
  const count = db.prepare('SELECT COUNT(*) FROM push_subscriptions').pluck();
  new Gauge({
    name: 'sc_push_subscriptions',
    help: 'Staff devices subscribed to Web Push notifications',
    registers: [registry],
    collect() {
      this.set(count.get() as number);
    },
  });
  return {
    devicesGone: new Counter({ name: 'sc_push_devices_gone_total', help: 'Staff devices forgotten because their push service answered 404 or 410', registers: [registry] }),
  };
}
