import type { Socket } from 'node:net';
import { GuardedSocket, type PacketRefusal } from './packet-guard.js';

/** A CONNECT holds a client id, a username, a password and perhaps a small will: a few hundred bytes in practice. */
export const PRE_AUTH_MAX_PACKET_BYTES = 4 * 1024;

export type GateRefusal = 'packet_too_large' | 'malformed_packet' | 'unauthenticated_limit';

export interface ConnectionGateOptions {
  /** Sockets from one remote address that may be open without having authenticated yet. */
  maxUnauthenticatedPerAddress: number;
  onRefused(reason: GateRefusal, details: { address: string } & Partial<PacketRefusal>): void;
}

/**
 * What a TCP connection must get through before Aedes sees its bytes: a cap on sockets per address
 * that have not logged in, and a GuardedSocket that refuses packets declared longer than allowed
 * (a few KiB until the client authenticates, then whatever the broker sets for its identity).
 */
export class ConnectionGate {
  private readonly unauthenticated = new Map<string, number>();
  private readonly pending = new WeakMap<GuardedSocket, string>();

  constructor(private readonly options: ConnectionGateOptions) {}

  /** The stream to hand to Aedes, or null when the socket was refused (and destroyed). */
  admit(socket: Socket): GuardedSocket | null {
    const address = socket.remoteAddress;
    if (address === undefined) {
      socket.destroy(); // already gone
      return null;
    }
    const count = this.unauthenticated.get(address) ?? 0;
    if (count >= this.options.maxUnauthenticatedPerAddress) {
      this.options.onRefused('unauthenticated_limit', { address });
      socket.destroy();
      return null;
    }
    this.unauthenticated.set(address, count + 1);
    const guarded = new GuardedSocket(socket, PRE_AUTH_MAX_PACKET_BYTES, (refusal) =>
      this.options.onRefused(refusal.reason === 'too_large' ? 'packet_too_large' : 'malformed_packet', { address, ...refusal }),
    );
    this.pending.set(guarded, address);
    guarded.once('close', () => this.release(guarded));
    return guarded;
  }

  /** The client behind this stream logged in: it no longer counts against its address, and may send packets up to `maxPacketBytes`. */
  authenticated(conn: unknown, maxPacketBytes: number): void {
    if (!(conn instanceof GuardedSocket)) return;
    conn.setLimit(maxPacketBytes);
    this.release(conn);
  }

  private release(conn: GuardedSocket): void {
    const address = this.pending.get(conn);
    if (address === undefined) return;
    this.pending.delete(conn);
    const left = (this.unauthenticated.get(address) ?? 1) - 1;
    if (left > 0) this.unauthenticated.set(address, left);
    else this.unauthenticated.delete(address);
  }
}
