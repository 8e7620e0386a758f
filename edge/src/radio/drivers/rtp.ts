import { createSocket, type Socket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Speaker } from '@smart-commune/shared';
import { BYTES_PER_SAMPLE, SAMPLE_RATE, toBigEndian } from '../pcm.js';
import type { DriverOptions, SpeakerDriver, SpeakerHealth } from './types.js';
import { HealthPoller } from './health.js';

/** RTP dynamic payload type used for L16/48000/1 (RFC 3551 §6: 96–127 are dynamic, described by SDP). */
export const RTP_PAYLOAD_TYPE = 96;
const RTP_HEADER_BYTES = 12;

export function parseTarget(target: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(target) ?? /^([^:]+):(\d+)$/.exec(target);
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`speaker target "${target}" is not host:port`);
  return { host: m[1]!, port };
}

/** SDP (RFC 4566) of one L16 mono 48 kHz stream: `ffplay -protocol_whitelist file,udp,rtp x.sdp` plays it. */
export function rtpSdp(opts: { host: string; port: number; name: string; payloadType?: number }): string {
  const ipv = isIPv6(opts.host) ? 'IP6' : 'IP4';
  const pt = opts.payloadType ?? RTP_PAYLOAD_TYPE;
  const session = Date.now();
  return [
    'v=0',
    `o=- ${session} ${session} IN ${ipv} ${opts.host}`,
    `s=${opts.name}`,
    `c=IN ${ipv} ${opts.host}`,
    't=0 0',
    `m=audio ${opts.port} RTP/AVP ${pt}`,
    `a=rtpmap:${pt} L16/${SAMPLE_RATE}/1`,
    'a=ptime:10',
    'a=recvonly',
    '',
  ].join('\r\n');
}

/**
 * An RTP sender (RFC 3550) of L16/48000/1 (RFC 3551: 16-bit big-endian) over UDP. One SSRC for the
 * sender's life; each item is a talkspurt: marker bit on its first packet and a timestamp that jumps
 * to the media clock (derived from the monotonic clock), so a receiver can tell items apart and
 * schedule them at their real distance. Packets leave when send() is called: the caller paces.
 */
export class RtpSender {
  readonly ssrc: number;
  private readonly socket: Socket;
  private seq: number;
  /** Next RTP timestamp, unwrapped. */
  private ts: number;
  private readonly tsOrigin: number;
  private readonly hrOrigin = performance.now();
  private marker = true;
  private pending = 0;
  private drained: (() => void) | null = null;
  packetsSent = 0;
  lastError: string | null = null;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly payloadType = RTP_PAYLOAD_TYPE,
  ) {
    this.ssrc = randomBytes(4).readUInt32BE(0);
    this.seq = randomInt(0, 65536);
    this.tsOrigin = randomBytes(4).readUInt32BE(0);
    this.ts = this.tsOrigin;
    this.socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    this.socket.on('error', (err) => (this.lastError = err.message));
    this.socket.unref();
  }

  /** The next packet starts a talkspurt (an item). */
  beginTalkspurt(): void {
    this.marker = true;
    const media = this.tsOrigin + Math.round(((performance.now() - this.hrOrigin) * SAMPLE_RATE) / 1000);
    this.ts = Math.max(this.ts, media);
  }

  /** Samples that were not sent (the sender stalled): the next packet's timestamp is that much later (RFC 3550: the sampling instant). */
  skip(samples: number): void {
    if (samples > 0) this.ts += Math.round(samples);
  }

  /** Sends one packet carrying this s16le PCM (converted to network byte order). */
  send(pcm: Buffer): void {
    const payload = toBigEndian(pcm);
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    packet[0] = 0x80; // V=2, P=0, X=0, CC=0
    packet[1] = (this.marker ? 0x80 : 0) | (this.payloadType & 0x7f);
    packet.writeUInt16BE(this.seq, 2);
    packet.writeUInt32BE(this.ts % 0x1_0000_0000, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    payload.copy(packet, RTP_HEADER_BYTES);
    this.marker = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts += payload.length / BYTES_PER_SAMPLE;
    this.packetsSent++;
    this.pending++;
    this.socket.send(packet, this.port, this.host, (err) => {
      if (err) this.lastError = err.message;
      if (--this.pending === 0) this.drained?.();
    });
  }

  /** Closes after the packets already handed to the socket have left. */
  async close(): Promise<void> {
    if (this.pending > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** An IP loudspeaker fed with RTP; health from its statusUrl when it has one (any 2xx is healthy). */
export class RtpDriver implements SpeakerDriver {
  protected sender: RtpSender | null = null;
  protected readonly poller: HealthPoller | null;
  readonly host: string;
  readonly port: number;
  sdpPath: string | null = null;

  constructor(
    readonly speaker: Speaker,
    protected readonly options: DriverOptions = {},
    interpret: 'http' | 'sim' = 'http',
  ) {
    ({ host: this.host, port: this.port } = parseTarget(speaker.target));
    this.poller = speaker.statusUrl ? new HealthPoller(speaker.statusUrl, interpret, options.healthIntervalMs ?? 5000) : null;
  }

  async open(): Promise<void> {
    this.sender = new RtpSender(this.host, this.port);
    if (this.options.sdpDir) {
      mkdirSync(this.options.sdpDir, { recursive: true });
      this.sdpPath = join(this.options.sdpDir, `${this.speaker.zone}-${this.host.replace(/[^a-zA-Z0-9.-]/g, '_')}-${this.port}.sdp`);
      writeFileSync(this.sdpPath, rtpSdp({ host: this.host, port: this.port, name: `Smart Commune zone ${this.speaker.zone}` }));
    }
    this.poller?.start();
  }

  beginItem(): void {
    this.sender?.beginTalkspurt();
  }

  write(pcm: Buffer): void {
    this.sender?.send(pcm);
  }

  skip(samples: number): void {
    this.sender?.skip(samples);
  }

  endItem(): void {
    /* RTP has nothing to close between talkspurts */
  }

  health(): SpeakerHealth {
    return this.poller?.current ?? { state: 'unknown', reason: 'no health endpoint', checkedAt: null };
  }

  async checkHealth(): Promise<SpeakerHealth> {
    return this.poller ? this.poller.check() : this.health();
  }

  async close(): Promise<void> {
    this.poller?.stop();
    await this.sender?.close();
    this.sender = null;
  }
}
