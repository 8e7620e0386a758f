import { createConnection, createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';

describe('the delaying link proxy', () => {
  let echo: Server;
  let proxy: DelayProxy;
  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const port = (echo.address() as { port: number }).port;
    proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, minDelayMs: 40, maxDelayMs: 80 });
  });
  afterAll(async () => {
    await proxy.close();
    echo.close();
  });

  it('delays every chunk both ways and keeps the bytes in order', async () => {
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    const sentAt = Date.now();
    for (let i = 0; i < 50; i++) socket.write(`${i},`);
    while (received.split(',').length < 51) await new Promise((r) => setTimeout(r, 5));
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(80); // at least the minimum, in each direction
    expect(received).toBe(Array.from({ length: 50 }, (_, i) => `${i},`).join(''));
    socket.destroy();
  });

  it('drops connections during an outage and accepts them again after', async () => {
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
    await once(socket, 'connect');
    const closed = once(socket, 'close');
    proxy.cut();
    await closed;
    const refused = createConnection({ host: '127.0.0.1', port: proxy.port });
    await once(refused, 'close');
    proxy.restore();
    const again = createConnection({ host: '127.0.0.1', port: proxy.port });
    await once(again, 'connect');
    again.write('ok');
    const [data] = (await once(again, 'data')) as [Buffer];
    expect(data.toString()).toBe('ok');
    again.destroy();
  });

  it('holds a lost chunk for the retransmission timeout, and the bytes behind it with it, in order', async () => {
    const port = (echo.address() as { port: number }).port;
    // every chunk lost: each way takes the 10 ms delay plus the 150 ms retransmission
    const lossy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, minDelayMs: 10, maxDelayMs: 10, lossRate: 1, retransmitMs: 150 });
    const socket = createConnection({ host: '127.0.0.1', port: lossy.port });
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    const sentAt = Date.now();
    for (let i = 0; i < 20; i++) socket.write(`${i},`);
    while (received.split(',').length < 21) await new Promise((r) => setTimeout(r, 5));
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(2 * 160);
    expect(received).toBe(Array.from({ length: 20 }, (_, i) => `${i},`).join(''));
    socket.destroy();
    await lossy.close();
  });
});
