import type { Server, Socket } from 'node:net';
import type { Logger } from '@smart-commune/shared/runtime';
import { parseProxyHeader, startsWithProxyHeader } from './proxy-header.js';
import type { TrustedProxies } from './trusted-proxies.js';

/** The client each connection's PROXY header named (connections without one, or LOCAL ones, are not here). */
const sources = new WeakMap<Socket, string>();

/**
 * The client the PROXY header of this request's connection named, or null when it had none (or a
 * LOCAL one): then the socket's peer is the client. Under HTTPS the request's socket is the TLS
 * socket wrapping the TCP one the header came on; Node keeps that one as `_parent` (not public, so
 * proxy-protocol.test.ts covers it over HTTPS).
 */
export function proxiedSource(socket: Socket | undefined): string | null {
  if (!socket) return null;
  return sources.get(socket) ?? sources.get((socket as Socket & { _parent?: Socket })._parent as Socket) ?? null;
}

export interface ProxyProtocolOptions {
  /** Only these peers may (and must) send a PROXY header. */
  trusted: TrustedProxies;
  logger: Logger;
  /** A trusted peer's header must be complete this soon after it connects (HAProxy writes it at once). */
  headerTimeoutMs?: number;
  /** Anyone else's first bytes (enough to tell they are no PROXY header) must come this soon: Node's own bound on a request's headers. */
  firstBytesTimeoutMs?: number;
}

/** A connection waiting for its first bytes, destroyed when the server closes. */
export interface ProxyProtocolHandle {
  /** Destroys the connections whose header is still awaited (server.close() would wait for them). */
  close(): void;
}

/**
 * Puts the PROXY protocol in front of an HTTP or HTTPS server (SC_PROXY_PROTOCOL=1): every
 * connection is read first here. From a trusted proxy it must start with a v1 or v2 header, whose
 * source becomes the connection's client (proxiedSource()); from anyone else it must not (anyone
 * could write one to pass for someone else). The header is bounded in size and time; a missing,
 * malformed, slow or forbidden one closes that connection, logged with its reason. What follows the
 * header is given to the server as if it were the first byte: its own 'connection' listeners (HTTP's
 * parser; under HTTPS the TLS handshake) run only then, with the bytes already read put back.
 */
export function acceptProxyProtocol(server: Server, options: ProxyProtocolOptions): ProxyProtocolHandle {
  const { trusted, logger, headerTimeoutMs = 5000, firstBytesTimeoutMs = 60_000 } = options;
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  const pending = new Set<Socket>();

  const handOver = (socket: Socket, rest: Buffer) => {
    if (rest.length > 0) socket.unshift(rest);
    for (const handler of handlers) handler.call(server, socket);
    // HTTP reads the socket by 'data' events, so it must flow again; TLS takes the TCP handle and
    // reads what was put back itself (a flowing socket there would hand those bytes to no one)
    if (socket.listenerCount('data') > 0) socket.resume();
  };

  server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    const fromProxy = socket.remoteAddress !== undefined && trusted.has(socket.remoteAddress);
    let bytes: Buffer = Buffer.alloc(0);
    pending.add(socket);
    const finish = () => {
      pending.delete(socket);
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.pause();
    };
    const refuse = (reason: string) => {
      finish();
      logger.warn({ peer, reason }, 'connection closed before HTTP: PROXY protocol');
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      bytes = bytes.length === 0 ? chunk : Buffer.concat([bytes, chunk]);
      if (!fromProxy) {
        const starts = startsWithProxyHeader(bytes);
        if (starts === 'unknown') return;
        if (starts) return refuse('a PROXY header from a peer not in SC_TRUSTED_PROXIES');
        finish();
        return handOver(socket, bytes);
      }
      const header = parseProxyHeader(bytes);
      if (header.kind === 'incomplete') return;
      if (header.kind === 'invalid') return refuse(header.reason);
      finish();
      if (header.source !== null) sources.set(socket, header.source);
      handOver(socket, bytes.subarray(header.length));
    };
    const onError = (err: Error) => refuse(`socket error: ${err.message}`);
    const onClose = () => finish();
    const timeoutMs = fromProxy ? headerTimeoutMs : firstBytesTimeoutMs;
    const timer = setTimeout(() => refuse(fromProxy ? `no complete PROXY header within ${timeoutMs} ms` : `no bytes within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });

  return {
    close() {
      for (const socket of pending) socket.destroy();
      pending.clear();
    },
  };
}
