import { connect, type Socket } from 'node:net';

/**
 * Raw sockets for the abuse benchmark: what a hostile client writes byte by byte, bounded in bytes
 * and time, reporting how far it got before the cloud answered or hung up.
 */

export interface StreamOutcome {
  /** Bytes of body written before the peer answered, closed or the cap was reached. */
  bytesSent: number;
  /** The first line the peer answered (an HTTP status line), or null. */
  firstLine: string | null;
  /** The peer closed or reset the connection before the cap. */
  closedByPeer: boolean;
  ms: number;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/**
 * Opens a socket from `localAddress`, writes `head`, then streams up to `maxBodyBytes` in 64 KiB
 * chunks (respecting back-pressure), stopping as soon as the peer answers or closes.
 */
export function streamTo(opts: { host: string; port: number; localAddress?: string; head: Buffer; maxBodyBytes: number; timeoutMs: number; chunked?: boolean }): Promise<StreamOutcome> {
  const piece = opts.chunked ? Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from('\r\n')]) : CHUNK;
  const started = performance.now();
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: opts.host, port: opts.port, localAddress: opts.localAddress });
    let bytesSent = 0;
    let answered = '';
    let done = false;
    const finish = (closedByPeer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const firstLine = answered ? answered.split('\r\n')[0]!.slice(0, 120) : null;
      resolve({ bytesSent, firstLine, closedByPeer, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs);
    socket.on('data', (d: Buffer) => {
      answered += d.toString('latin1');
      if (answered.includes('\r\n') || answered.length > 4) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    const pump = () => {
      while (!done && bytesSent < opts.maxBodyBytes) {
        const ok = socket.write(piece);
        bytesSent += CHUNK.length;
        if (!ok) return void socket.once('drain', pump);
      }
      // the cap reached without an answer: wait for one until the timeout
    };
    socket.once('connect', () => {
      socket.write(opts.head);
      pump();
    });
  });
}

/** An HTTP/1.1 request head declaring `contentLength` bytes of body, or a chunked body when null. */
export function httpHead(method: string, path: string, host: string, contentType: string, contentLength: number | null): Buffer {
  const length = contentLength === null ? 'Transfer-Encoding: chunked' : `Content-Length: ${contentLength}`;
  return Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${contentType}\r\n${length}\r\nConnection: close\r\n\r\n`);
}

/** MQTT's remaining-length varint (1 to 4 bytes). */
export function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

const mqttString = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

/** An MQTT 3.1.1 CONNECT packet (clean session, keep-alive 60 s), with credentials when given. */
export function mqttConnect(clientId: string, username?: string, password?: string): Buffer {
  const flags = 0x02 | (username !== undefined ? 0x80 : 0) | (password !== undefined ? 0x40 : 0);
  const variable = Buffer.concat([mqttString('MQTT'), Buffer.from([4, flags, 0, 60])]);
  const payload = Buffer.concat([mqttString(clientId), ...(username !== undefined ? [mqttString(username)] : []), ...(password !== undefined ? [mqttString(password)] : [])]);
  return Buffer.concat([Buffer.from([0x10]), varint(variable.length + payload.length), variable, payload]);
}

/** Only the fixed header of a CONNECT that declares `declared` bytes to follow (the body is streamed). */
export const mqttConnectHeader = (declared: number) => Buffer.concat([Buffer.from([0x10]), varint(declared)]);

/** The head of a QoS 0 PUBLISH on `topic` whose payload of `payloadBytes` is streamed after it. */
export function mqttPublishHead(topic: string, payloadBytes: number): Buffer {
  const t = mqttString(topic);
  return Buffer.concat([Buffer.from([0x30]), varint(t.length + payloadBytes), t]);
}

/** Connects with credentials, waits for CONNACK (0 = accepted), then returns the open socket. */
export function mqttSession(host: string, port: number, clientId: string, username: string, password: string, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no CONNACK'));
    }, timeoutMs);
    socket.once('connect', () => socket.write(mqttConnect(clientId, username, password)));
    socket.once('data', (d: Buffer) => {
      clearTimeout(timer);
      if (d[0] === 0x20 && d[3] === 0) resolve(socket);
      else {
        socket.destroy();
        reject(new Error(`CONNACK refused (${d.toString('hex')})`));
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Resolves with how long the socket stayed open (ms), or `limitMs` if it still is. */
export function openFor(socket: Socket, limitMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(0);
    const timer = setTimeout(() => resolve(limitMs), limitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}
