import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface ThrottledLink {
  url: string;
  /** Bytes sent from the cloud to the box so far. */
  forwarded(): number;
  /** Drops every connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy to the cloud's HTTP port with a rural link's throughput (so a download lasts) that can be cut. */
export async function startThrottledLink(targetPort: number, bytesPerS: number): Promise<ThrottledLink> {
  const sockets = new Set<Socket>();
  let down = false;
  let forwarded = 0;
  const server: Server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream);
    // each chunk towards the box costs its share of a second at the link's rate
    upstream.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      client.write(chunk);
      upstream.pause();
      setTimeout(() => upstream.resume(), Math.ceil((chunk.length / bytesPerS) * 1000));
    });
    upstream.on('end', () => client.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    forwarded: () => forwarded,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
