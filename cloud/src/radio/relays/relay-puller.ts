import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Backoff, type Logger } from '@smart-commune/shared/runtime';
import { BYTES_PER_MS, FRAME_MS, PcmPacer } from './pcm-pacer.js';
import { isHls, streamInput } from './stream-input.js';
import { sniffStream, type StreamFormat } from './stream-sniff.js';

/** What feeds a live session (13a's LiveInput): PCM s16le 48 kHz mono in real time. */
export interface PcmSink {
  write(pcm: Buffer): void;
}

export interface PullerOptions {
  primaryUrl: string;
  fallbackUrl: string | null;
  /** Failures in a row on one URL before the other one is tried. */
  switchAfterFailures: number;
  /** Reconnection delays: doubling from the first to the most. */
  reconnectFirstMs: number;
  reconnectMaxMs: number;
  /** No decoded audio for this long on an open connection: it is dropped and made again. */
  stallMs: number;
  /** A connection that delivered this much audio was a success: the failure count and backoff start again. */
  healthyAfterMs: number;
  prebufferMs: number;
  maxBufferMs: number;
  sink: PcmSink;
  logger: Logger;
  /** The ffmpeg program (tests may name another path). */
  ffmpegPath?: string;
}

export type PullerStatus = 'connecting' | 'playing' | 'reconnecting' | 'stopped';

/** The relay's state as the stations page shows it. */
export interface PullerState {
  status: PullerStatus;
  /** The URL in use (or being tried). */
  url: string;
  onFallback: boolean;
  /** Decoded PCM received from the station, bytes. */
  bytes: number;
  reconnects: number;
  consecutiveFailures: number;
  lastError: string | null;
  playedMs: number;
  silenceMs: number;
  bufferedMs: number;
}

/** Per URL: how much of its audio went on air. */
export interface UrlPlayed {
  url: string;
  role: 'primary' | 'fallback';
  playedMs: number;
}

export interface PullerResult {
  playedMs: number;
  silenceMs: number;
  droppedMs: number;
  bytes: number;
  reconnects: number;
  urls: UrlPlayed[];
  lastError: string | null;
}

type Ffmpeg = ChildProcessByStdio<null, Readable, Readable>;

/**
 * One station pulled by one ffmpeg, decoded to s16le 48 kHz mono and paced into a live session.
 * A connection that fails or ends is made again after a backoff (the session plays silence
 * meanwhile: its clock never waits); after `switchAfterFailures` failures in a row the other URL
 * (the fallback, then the primary again) is tried. It runs until stop(): the window's end is the
 * relay service's to keep, never the stream's.
 */
export class RelayPuller {
  private readonly pacer: PcmPacer;
  private readonly backoff: Backoff;
  private child: Ffmpeg | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private connecting = false;
  private onFallback = false;
  private status: PullerStatus = 'connecting';
  private bytes = 0;
  private reconnects = 0;
  private failures = 0;
  private lastError: string | null = null;
  /** Audio received on the current connection, bytes. */
  private connectionBytes = 0;
  private lastStderr = '';
  private readonly playedByUrl = new Map<string, UrlPlayed>();
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: PullerOptions) {
    this.pacer = new PcmPacer({
      prebufferMs: options.prebufferMs,
      maxBufferMs: options.maxBufferMs,
      clock: () => performance.now(),
      write: (frame) => {
        options.sink.write(frame);
        // credited to the URL in use when it played (after a switch, the old buffer's tail is a few frames)
        this.credit(FRAME_MS);
      },
    });
    this.backoff = new Backoff({ initialMs: options.reconnectFirstMs, maxMs: options.reconnectMaxMs, jitter: 0.2 });
  }

  /** Connects and goes on air at once. */
  start(): void {
    this.connectEarly();
    this.goOnAir();
  }

  /**
   * Connects and gathers sound without sending any: ffmpeg and the station take a second or more
   * to answer (several on a busy machine), which would otherwise be silence at the window's start.
   */
  connectEarly(): void {
    if (this.connecting) return;
    this.connecting = true;
    this.connect();
  }

  /** From now on one frame per 20 ms goes to the sink: the newest prebuffer's worth of what was gathered first. */
  goOnAir(): void {
    this.pacer.trimTo(this.options.prebufferMs);
    this.pacer.start();
  }

  /** Resolves once the prebuffer is gathered, or after `timeoutMs` (the station is slow or gone). */
  async waitForSound(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline && !this.stopped) {
      if (this.pacer.bufferedMs >= this.options.prebufferMs) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.pacer.bufferedMs >= this.options.prebufferMs;
  }

  get url(): string {
    return this.onFallback && this.options.fallbackUrl ? this.options.fallbackUrl : this.options.primaryUrl;
  }

  state(): PullerState {
    return {
      status: this.status,
      url: this.url,
      onFallback: this.onFallback,
      bytes: this.bytes,
      reconnects: this.reconnects,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      playedMs: this.pacer.counts.playedMs,
      silenceMs: this.pacer.counts.silenceMs,
      bufferedMs: this.pacer.bufferedMs,
    };
  }

  /** Ends the pull: ffmpeg is killed, the pacer accounts for the frames due until now. */
  async stop(): Promise<PullerResult> {
    if (!this.stopped) {
      this.stopped = true;
      this.status = 'stopped';
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.clearStall();
      this.child?.kill('SIGKILL');
      this.pacer.stop();
    }
    await this.exited;
    const { playedMs, silenceMs, droppedMs } = this.pacer.counts;
    return { playedMs, silenceMs, droppedMs, bytes: this.bytes, reconnects: this.reconnects, urls: [...this.playedByUrl.values()], lastError: this.lastError };
  }

  private credit(ms: number): void {
    const url = this.url;
    const entry = this.playedByUrl.get(url) ?? { url, role: this.onFallback ? 'fallback' : 'primary', playedMs: 0 };
    entry.playedMs += ms;
    this.playedByUrl.set(url, entry);
  }

  private connect(): void {
    if (this.stopped) return;
    const url = this.url;
    this.connectionBytes = 0;
    this.lastStderr = '';
    sniffStream(url, this.options.stallMs).then(
      ({ format }) => this.spawn(url, format),
      (err: Error) => {
        if (this.stopped) return;
        this.lastStderr = err.message;
        this.retry(false);
      },
    );
  }

  private spawn(url: string, format: StreamFormat | null): void {
    if (this.stopped) return;
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      // HLS: start at the newest segment, as a radio listener would, not three segments back
      ...(format === 'hls' || isHls(url) ? ['-live_start_index', '-1'] : []),
      // a radio stream is known after a few frames; ffmpeg's default probe (5 s of a 64 kbit/s stream) would hold the start
      '-probesize', '65536', '-analyzeduration', '1000000',
      ...streamInput(url, this.options.stallMs, format),
      '-vn', '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 's16le', 'pipe:1',
    ];
    const child = spawn(this.options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.stdout.on('data', (chunk: Buffer) => this.onAudio(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.lastStderr = (this.lastStderr + chunk.toString('utf8')).slice(-2000);
    });
    child.once('error', (err) => (this.lastStderr = err.message));
    child.once('close', (code, signal) => this.onClose(child, code, signal));
    this.armStall();
  }

  private onAudio(chunk: Buffer): void {
    if (this.stopped) return;
    this.bytes += chunk.length;
    this.connectionBytes += chunk.length;
    this.pacer.push(chunk);
    if (this.status !== 'playing') {
      this.status = 'playing';
      this.options.logger.info({ url: this.url, onFallback: this.onFallback }, 'relay stream connected');
    }
    if (this.failures > 0 && this.connectionBytes >= this.options.healthyAfterMs * BYTES_PER_MS) {
      this.failures = 0;
      this.backoff.reset();
    }
    this.armStall();
  }

  private armStall(): void {
    this.clearStall();
    this.stallTimer = setTimeout(() => {
      this.lastStderr = `no audio for ${Math.round(this.options.stallMs / 1000)} s`;
      this.child?.kill('SIGKILL');
    }, this.options.stallMs);
  }

  private clearStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }

  private onClose(child: Ffmpeg, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = null;
    this.clearStall();
    if (this.stopped) return;
    if (!this.lastStderr.trim()) this.lastStderr = code === 0 ? 'the station ended the stream' : `ffmpeg exited (${signal ?? code})`;
    this.retry(this.connectionBytes >= this.options.healthyAfterMs * BYTES_PER_MS);
  }

  /** The connection failed or ended: count it, maybe switch URL, and connect again after the backoff. */
  private retry(wasHealthy: boolean): void {
    this.lastError = this.lastStderr.trim().split('\n').at(-1) ?? 'the stream ended';
    if (wasHealthy) {
      this.failures = 0;
      this.backoff.reset();
    }
    this.failures++;
    this.reconnects++;
    if (this.failures >= this.options.switchAfterFailures && this.options.fallbackUrl) {
      this.onFallback = !this.onFallback;
      this.failures = 0;
      this.backoff.reset();
      this.options.logger.warn({ url: this.url, onFallback: this.onFallback, error: this.lastError }, 'relay switches URL after repeated failures');
    }
    this.status = 'reconnecting';
    const delay = this.backoff.next();
    this.options.logger.warn({ url: this.url, error: this.lastError, retryInMs: delay, failures: this.failures }, 'relay stream lost; reconnecting');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
