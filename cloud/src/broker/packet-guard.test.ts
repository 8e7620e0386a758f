import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test-support/wait.js';
import { GuardedSocket, PacketLengthScanner, type PacketRefusal } from './packet-guard.js';

/** MQTT's remaining length: 7 bits a byte, least significant first, high bit set when more follow. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return bytes;
}

/** A packet of the given type byte whose body is `length` bytes of `fill` (0xff looks like a header with a long length). */
const packet = (type: number, length: number, fill = 0xff) => Buffer.concat([Buffer.from([type, ...varint(length)]), Buffer.alloc(length, fill)]);
const pingreq = () => Buffer.from([0xc0, 0x00]);
/** Only the fixed header: what an attacker sends before streaming the body. */
const header = (type: number, length: number) => Buffer.from([type, ...varint(length)]);

/** Feeds the stream in pieces cut at the given offsets; the index of the piece refused and the refusal, or null. */
function feed(scanner: PacketLengthScanner, stream: Buffer, cuts: number[]): { piece: number; refusal: PacketRefusal } | null {
  const bounds = [0, ...cuts, stream.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const refusal = scanner.scan(stream.subarray(bounds[i], bounds[i + 1]));
    if (refusal) return { piece: i, refusal };
  }
  return null;
}

describe('PacketLengthScanner', () => {
  it('accepts many packets in one chunk, body bytes that look like headers included', () => {
    const scanner = new PacketLengthScanner(100);
    const stream = Buffer.concat([packet(0x10, 40), pingreq(), packet(0x30, 100), packet(0x30, 0), pingreq(), packet(0x82, 99)]);
    expect(scanner.scan(stream)).toBeNull();
    // the scanner ended on a boundary: a fresh header is read as one
    expect(scanner.scan(header(0x30, 101))).toEqual({ reason: 'too_large', declared: 101, limit: 100 });
  });

  it('refuses a packet as soon as its length is complete, wherever the chunks are cut', () => {
    const small = Buffer.concat([packet(0x10, 30), pingreq(), packet(0x30, 200)]);
    const big = header(0x30, 250 * 1024 * 1024);
    const stream = Buffer.concat([small, big, Buffer.alloc(64, 0xff)]);
    const lastLengthByte = small.length + big.length - 1;
    for (let a = 1; a < stream.length; a++) {
      for (const b of [a + 1, a + 3, stream.length - 1]) {
        if (b <= a || b >= stream.length) continue;
        const result = feed(new PacketLengthScanner(1024), stream, [a, b]);
        const expectedPiece = lastLengthByte < a ? 0 : lastLengthByte < b ? 1 : 2;
        expect(result, `cuts at ${a}, ${b}`).toEqual({ piece: expectedPiece, refusal: { reason: 'too_large', declared: 250 * 1024 * 1024, limit: 1024 } });
      }
    }
  });

  it('follows boundaries fed one byte at a time', () => {
    const scanner = new PacketLengthScanner(300);
    const stream = Buffer.concat([packet(0x10, 300), pingreq(), pingreq(), packet(0x30, 128), packet(0x30, 127)]);
    for (const byte of stream) expect(scanner.scan(Buffer.from([byte]))).toBeNull();
    expect(scanner.scan(header(0x30, 301))).toMatchObject({ declared: 301 });
  });

  it('reads every width of the length field exactly', () => {
    for (const value of [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455]) {
      expect(new PacketLengthScanner(value).scan(header(0x30, value)), `${value} within`).toBeNull();
      if (value > 0) expect(new PacketLengthScanner(value - 1).scan(header(0x30, value)), `${value} over`).toMatchObject({ declared: value });
    }
  });

  it('refuses a length field of five bytes, which is not MQTT', () => {
    expect(new PacketLengthScanner(Infinity).scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toEqual({ reason: 'malformed' });
  });

  it('applies a raised limit from the next packet on', () => {
    const scanner = new PacketLengthScanner(10);
    expect(scanner.scan(packet(0x10, 10))).toBeNull();
    scanner.limit = 1000;
    expect(scanner.scan(packet(0x30, 1000))).toBeNull();
    expect(scanner.scan(header(0x30, 1001))).toMatchObject({ declared: 1001 });
  });
});

describe('GuardedSocket over TCP', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A server whose connections are guarded; resolves with the guarded stream of the first one and the client socket. */
  async function pair(limit: number, refusals: PacketRefusal[]): Promise<{ guarded: GuardedSocket; client: Socket }> {
    const accepted = new Promise<GuardedSocket>((resolve) => {
      server = createServer((socket) => resolve(new GuardedSocket(socket, limit, (r) => refusals.push(r))));
    });
    server!.listen(0, '127.0.0.1');
    await once(server!, 'listening');
    const { port } = server!.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    return { guarded: await accepted, client };
  }

  it('passes bytes through untouched both ways, however the writes are cut', async () => {
    const refusals: PacketRefusal[] = [];
    const { guarded, client } = await pair(5000, refusals);
    const fromServer = new Promise<Buffer>((resolve) => client.once('data', resolve));
    guarded.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
    expect([...(await fromServer)]).toEqual([0x20, 0x02, 0x00, 0x00]);

    const stream = Buffer.concat(Array.from({ length: 40 }, (_, i) => (i % 3 ? packet(0x30, (i * 97) % 5000, i) : pingreq())));
    const received: Buffer[] = [];
    guarded.on('data', (chunk: Buffer) => received.push(chunk));
    for (let at = 0; at < stream.length; ) {
      const size = 1 + ((at * 7919) % 3000);
      client.write(stream.subarray(at, at + size));
      at += size;
    }
    client.end();
    await once(guarded, 'end');
    expect(Buffer.concat(received).equals(stream)).toBe(true);
    expect(refusals).toEqual([]);
  });

  it('hands what was written corked to the socket as one write, intact and in order', async () => {
    const { guarded, client } = await pair(5000, []);
    const writes: number[] = [];
    const writev = (guarded.socket as unknown as { _writev: (chunks: unknown[], cb: () => void) => void })._writev.bind(guarded.socket);
    (guarded.socket as unknown as { _writev: typeof writev })._writev = (chunks, cb) => {
      writes.push(chunks.length);
      writev(chunks, cb);
    };
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    const parts = Array.from({ length: 12 }, (_, i) => packet(0x30, 100 + i * 50, i));
    guarded.cork(); // what mqtt-packet does around each packet
    for (const part of parts) guarded.write(part);
    process.nextTick(() => guarded.uncork());
    const total = parts.reduce((n, p) => n + p.length, 0);
    await waitFor(() => received.reduce((n, c) => n + c.length, 0) >= total, 'every byte at the client');
    expect(Buffer.concat(received).equals(Buffer.concat(parts))).toBe(true);
    expect(writes).toEqual([12]); // one writev of the twelve chunks, not twelve writes
    client.destroy();
  });

  it('hands what was written from separate callbacks in one turn of the event loop to the socket as one write', async () => {
    const { guarded, client } = await pair(5000, []);
    const writes: number[] = [];
    const socket = guarded.socket as unknown as Record<'_write' | '_writev', (chunks: unknown, ...rest: unknown[]) => void>;
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method].bind(socket);
      socket[method] = (chunks, ...rest) => {
        writes.push(Array.isArray(chunks) ? chunks.length : 1);
        original(chunks, ...rest);
      };
    }
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    const parts = Array.from({ length: 6 }, (_, i) => packet(0x30, 100 + i * 50, i));
    const written: Buffer[] = [];
    const write = (i: number) => {
      written.push(parts[i]!);
      guarded.write(parts[i]);
    };
    // how Aedes answers a box: CONNACK, then PUBACK, SUBACK… each from a callback of its own
    write(0);
    process.nextTick(() => write(1));
    void Promise.resolve().then(() => {
      write(2);
      write(3);
    });
    queueMicrotask(() => write(4));
    setImmediate(() => write(5));
    const total = parts.reduce((n, p) => n + p.length, 0);
    await waitFor(() => received.reduce((n, c) => n + c.length, 0) >= total, 'every byte at the client');
    client.destroy();
    expect(Buffer.concat(received).equals(Buffer.concat(written))).toBe(true);
    expect(writes.length).toBeLessThanOrEqual(2); // not six writes
  });

  it('still sends what was written just before the connection is closed', async () => {
    const { guarded, client } = await pair(5000, []);
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    const connackRefused = Buffer.from([0x20, 0x02, 0x00, 0x04]);
    guarded.write(connackRefused);
    guarded.destroy();
    await once(client, 'close');
    expect([...Buffer.concat(received)]).toEqual([...connackRefused]);
  });

  it('closes the connection on a header declaring more than the limit, without passing that chunk on', async () => {
    const refusals: PacketRefusal[] = [];
    const { guarded, client } = await pair(4096, refusals);
    const received: Buffer[] = [];
    guarded.on('data', (chunk: Buffer) => received.push(chunk));
    guarded.on('error', () => undefined);
    client.on('error', () => undefined);
    client.write(pingreq());
    await new Promise((r) => setTimeout(r, 50));
    client.write(Buffer.concat([header(0x10, 250 * 1024 * 1024), Buffer.alloc(1000)]));
    await once(client, 'close');
    expect(refusals).toEqual([{ reason: 'too_large', declared: 250 * 1024 * 1024, limit: 4096 }]);
    expect(Buffer.concat(received)).toEqual(pingreq());
    expect(guarded.destroyed).toBe(true);
  });
});
