import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface DelayProxyOptions {
  /** Where connections are forwarded. */
  targetHost: string;
  targetPort: number;
  /** Each chunk is held for a random delay in this range, in ms. */
  minDelayMs: number;
  maxDelayMs: number;
  listenPort?: number;
}

export interface DelayProxy {
  port: number;
  /** Cuts every connection and refuses new ones until restored (a link outage). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Forwards one direction, holding each chunk for a random delay but never reordering the bytes. */
function delayedPipe(from: Socket, to: Socket, delay: () => number): void {
  let releaseAt = 0;
  from.on('data', (chunk: Buffer) => {
    releaseAt = Math.max(releaseAt, Date.now() + delay());
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, releaseAt - Date.now());
  });
  from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, releaseAt - Date.now())));
}

/** A TCP proxy that behaves like a slow rural link: random latency on every chunk, and outages on demand. */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  let cut = false;
  const delay = () => options.minDelayMs + Math.random() * (options.maxDelayMs - options.minDelayMs);
  const server: Server = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = createConnection({ host: options.targetHost, port: options.targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    delayedPipe(client, upstream, delay);
    delayedPipe(upstream, client, delay);
  });
  server.listen(options.listenPort ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cut = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
