/**
 * The local RFC 8030 push service of the tests (local-push-service.ts: it verifies each VAPID
 * signature and decrypts each push with the device's keys, as a browser would), run as a child
 * process of scripts/bench/notify so that its decryption does not take the cloud's CPU: on a
 * machine with two cores, a push service in the cloud's own process would halve the sender.
 * Talks to the parent over the IPC channel of child_process.fork:
 *   parent → { type: 'devices', count }   child → { type: 'devices', list: BrowserSubscription[] }
 *   child  → { type: 'received', pushes: ReceivedSummary[] }  (batched every 100 ms)
 *   parent → { type: 'close' }            child → { type: 'closed', refused, cpuMs }  then exits
 * Started with the VAPID public key as its one argument (the service refuses any other key).
 */
import { startLocalPushService } from '../../../../cloud/src/notifications/webpush/testing/local-push-service.js';

/** What the parent needs of an accepted push: whose, what (the decrypted payload's fields) and when. */
export interface ReceivedSummary {
  device: string;
  at: number;
  kind: string;
  url: string;
  title: string;
  body: string;
  /** When the cloud wrote the message (the payload's `at`). */
  writtenAt: number;
}

export type ToChild = { type: 'devices'; count: number } | { type: 'close' };
export type FromChild =
  | { type: 'ready'; origin: string }
  | { type: 'devices'; list: { id: string; endpoint: string; keys: { p256dh: string; auth: string } }[] }
  | { type: 'received'; pushes: ReceivedSummary[] }
  | { type: 'closed'; refused: { device: string; status: number; reason: string }[]; cpuMs: number };

const send = (message: FromChild) => process.send!(message);

async function main(): Promise<void> {
  const vapidPublicKey = process.argv[2];
  if (!process.send || !vapidPublicKey) throw new Error('push-service-process runs as a forked child, with the VAPID public key as its argument');
  const service = await startLocalPushService({ vapidPublicKey });
  let reported = 0;
  const flush = () => {
    if (reported === service.received.length) return;
    const pushes = service.received.slice(reported).map((r) => ({
      device: r.device,
      at: r.at,
      kind: String(r.payload.kind),
      url: String(r.payload.url),
      title: String(r.payload.title),
      body: String(r.payload.body),
      writtenAt: Number(r.payload.at),
    }));
    reported = service.received.length;
    send({ type: 'received', pushes });
  };
  const timer = setInterval(flush, 100);
  process.on('message', (message: ToChild) => {
    if (message.type === 'devices') {
      send({ type: 'devices', list: Array.from({ length: message.count }, () => service.newDevice()) });
    } else if (message.type === 'close') {
      clearInterval(timer);
      flush();
      void service.close().then(() => {
        const cpu = process.cpuUsage();
        send({ type: 'closed', refused: service.refused, cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
        process.disconnect();
      });
    }
  });
  send({ type: 'ready', origin: service.origin });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
