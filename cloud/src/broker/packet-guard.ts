import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** Why a connection's inbound bytes were refused: a packet declared longer than allowed, or a length that is not MQTT. */
export type PacketRefusal = { reason: 'too_large'; declared: number; limit: number } | { reason: 'malformed' };

/**
 * Follows MQTT packet boundaries in a byte stream by reading only fixed headers: one type byte, then
 * the remaining length (a varint of 1 to 4 bytes), then that many body bytes, which are skipped
 * unread. A packet is refused as soon as its declared length is known, before any of its body
 * arrives. Chunks may split a header anywhere and may hold many packets.
 */
export class PacketLengthScanner {
  private phase: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private shift = 0;
  private left = 0;

  /** Largest remaining length accepted; may change between packets (raised once the client has logged in). */
  constructor(public limit: number) {}

  /** Reads the chunk's headers; the first refusal found, or null when every declared length is within the limit. */
  scan(chunk: Uint8Array): PacketRefusal | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'body') {
        const skipped = Math.min(this.left, chunk.length - i);
        i += skipped;
        this.left -= skipped;
        if (this.left === 0) this.phase = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.phase === 'type') {
        this.phase = 'length';
        this.length = 0;
        this.shift = 0;
        continue;
      }
      this.length += (byte & 0x7f) * 2 ** this.shift;
      this.shift += 7;
      if (byte & 0x80) {
        if (this.shift >= 28) return { reason: 'malformed' }; // a fifth length byte: MQTT allows four
        continue;
      }
      if (this.length > this.limit) return { reason: 'too_large', declared: this.length, limit: this.limit };
      this.left = this.length;
      this.phase = this.left > 0 ? 'body' : 'type';
    }
    return null;
  }
}

/**
 * A TCP socket seen through a PacketLengthScanner: inbound bytes pass through untouched until a
 * packet declares more than the limit, then the socket is destroyed before that body is read, so
 * the MQTT parser behind it never buffers it. Writes reach the socket once per turn of the event loop.
 */
export class GuardedSocket extends Duplex {
  private readonly scanner: PacketLengthScanner;
  /** Written this turn of the event loop, not yet handed to the socket (see hold). */
  private held: { chunks: Buffer[]; callback: (err?: Error | null) => void } | null = null;
  private flushScheduled = false;

  constructor(
    readonly socket: Socket,
    limit: number,
    onRefused: (refusal: PacketRefusal) => void,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new PacketLengthScanner(limit);
    socket.on('data', (chunk: Buffer) => {
      const refusal = this.scanner.scan(chunk);
      if (refusal) {
        onRefused(refusal);
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** Allows longer packets from now on (the client has authenticated). */
  setLimit(limit: number): void {
    this.scanner.limit = limit;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.hold([chunk], callback);
  }

  /** What Aedes wrote corked in one go (a packet's header and payload…) is held as one. */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    this.hold(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  /**
   * Everything written to the connection during one turn of the event loop goes to the socket in
   * one system call, at the end of the turn. Aedes answers a box's packets from separate callbacks
   * (CONNACK, then PUBACK, SUBACK, retained messages, each once its own check or lookup is done),
   * and each answer was a write system call of its own: over loopback a tenth of the cloud's CPU
   * while 2,000 boxes connected (profile of scripts/bench/fleet). The stream's callback waits for
   * the flush (and for 'drain' when the socket is full), so backpressure reaches Aedes as before.
   */
  private hold(chunks: Buffer[], callback: (err?: Error | null) => void): void {
    this.held = { chunks, callback };
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.socket.cork();
    let flowing = true;
    // the callback makes the stream hand over what it buffered meanwhile (hold, at once): written in the same call
    for (let held = this.held; held && flowing; held = this.held) {
      this.held = null;
      if (this.socket.destroyed) {
        held.callback();
        continue;
      }
      for (const chunk of held.chunks) flowing = this.socket.write(chunk);
      if (flowing) held.callback();
      else this.afterDrain(held.callback);
    }
    this.flushScheduled = false;
    this.socket.uncork();
  }

  private afterDrain(callback: (err?: Error | null) => void): void {
    const done = () => {
      this.socket.off('drain', done);
      this.socket.off('close', done);
      callback();
    };
    this.socket.on('drain', done);
    this.socket.on('close', done);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // what was written before the close still goes out (a CONNACK refusing the login, then the close)
    this.flush();
    this.socket.destroy();
    callback(err);
  }
}
