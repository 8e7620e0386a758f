import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface DelayProxyOptions {
  /** Where connections are forwarded. */
  targetHost: string;
  targetPort: number;
  /** Each chunk is held for a random delay in this range, in ms. */
  minDelayMs: number;
  maxDelayMs: number;
  /**
   * Share of chunks (0–1) "lost" on the way. The links carried here are TCP, where a lost segment is
   * sent again after the retransmission timeout and holds back everything behind it: such a chunk
   * is held `retransmitMs` longer (Linux's minimum RTO is 200 ms) and the bytes after it wait for it.
   */
  lossRate?: number;
  retransmitMs?: number;
  listenPort?: number;
}

export interface DelayProxy {
  port: number;
  /** Cuts every connection and refuses new ones until restored (a link outage). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * Forwards one direction, holding each chunk for a random delay but never reordering the bytes: one
 * FIFO and one timer per direction (separate timers with the same deadline may fire in any order).
 */
function delayedPipe(from: Socket, to: Socket, delay: () => number): void {
  const queue: { chunk: Buffer; releaseAt: number }[] = [];
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  const pump = () => {
    timer = null;
    while (queue.length && queue[0]!.releaseAt <= Date.now()) {
      const { chunk } = queue.shift()!;
      if (!to.destroyed) to.write(chunk);
    }
    if (queue.length) timer = setTimeout(pump, queue[0]!.releaseAt - Date.now());
    else if (ended) to.destroy();
  };
  from.on('data', (chunk: Buffer) => {
    const last = queue.at(-1)?.releaseAt ?? 0;
    queue.push({ chunk, releaseAt: Math.max(last, Date.now() + delay()) });
    if (!timer) timer = setTimeout(pump, queue[0]!.releaseAt - Date.now());
  });
  from.on('close', () => {
    ended = true;
    if (!timer) to.destroy();
  });
}

/** A TCP proxy that behaves like a slow rural link: random latency on every chunk, and outages on demand. */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  let cut = false;
  const loss = options.lossRate ?? 0;
  const retransmit = options.retransmitMs ?? 200;
  const delay = () => options.minDelayMs + Math.random() * (options.maxDelayMs - options.minDelayMs) + (loss > 0 && Math.random() < loss ? retransmit : 0);
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
