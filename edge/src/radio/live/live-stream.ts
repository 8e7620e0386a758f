import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '@smart-commune/shared/runtime';
import { countChildProcess } from '../../child-processes.js';
import { deviceAuthorization, type DeviceCredentials } from '../../link/device-http.js';
import { BYTES_PER_SAMPLE, SAMPLE_RATE } from '../pcm.js';
import { Wakeups } from '../wakeups.js';

export interface LiveStreamOptions {
  /** Full URL of the session's stream on the cloud. */
  url: string;
  credentials: () => DeviceCredentials;
  /** The first sample still worth keeping (the one about to play, minus a margin): older audio is dropped as it is decoded. */
  floor(): number;
  /** No byte from the cloud for this long (reconnecting meanwhile): the stream is lost. */
  lossMs: number;
  onLost(reason: string): void;
  ffmpegPath?: string;
  logger?: Logger;
}

/** At most this much decoded audio waits ahead of the floor (a box far ahead of its playout is not expected). */
const MAX_AHEAD_SAMPLES = 30 * SAMPLE_RATE;

/**
 * A live session's stream on a box: the Ogg Opus bytes fetched from the cloud with the box's own
 * credentials (resumed with Range after a dropped link), decoded by one ffmpeg into PCM indexed by
 * absolute sample number (sample k of the stream plays at epoch + k/48 ms). A box that joins late
 * reads from byte 0 at full speed and drops, as it is decoded, what is already past.
 */
export class LiveStream {
  private readonly decoder: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly abort = new AbortController();
  /** Decoded PCM from sample `start` on. */
  private chunks: Buffer[] = [];
  private start = 0;
  private bytes = 0;
  /** Samples decoded so far (the stream position of the end of what we hold). */
  decodedSamples = 0;
  receivedBytes = 0;
  lastByteAt = Date.now();
  /** The cloud's stream ended (the session ended) and the decoder drained it. */
  ended = false;
  /** The cloud answered with the stream (200 or 206). */
  connected = false;
  error: string | null = null;
  underruns = 0;
  private closed = false;
  private lostTimer: NodeJS.Timeout;
  private readonly wakeups = new Wakeups();
  private stderr = '';

  constructor(private readonly options: LiveStreamOptions) {
    countChildProcess(options.ffmpegPath ?? 'ffmpeg');
    // no probing: the format is known, and probing would hold the first second back (not `-fflags
    // nobuffer` either: it drops the packets read while probing, shifting every sample by 20 ms)
    this.decoder = spawn(
      options.ffmpegPath ?? 'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-probesize', '32', '-analyzeduration', '0', '-f', 'ogg', '-i', 'pipe:0', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-flush_packets', '1', 'pipe:1'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.decoder.stdin.on('error', () => {});
    this.decoder.stdout.on('data', (d: Buffer) => this.onPcm(d));
    this.decoder.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-1000)));
    this.decoder.on('close', (code) => {
      if (!this.closed && code !== 0 && !this.error) this.error = `live decoder (ffmpeg) exit ${code}: ${this.stderr.trim()}`;
      this.ended = true;
      this.wakeups.wake();
    });
    this.lostTimer = setInterval(() => this.checkLoss(), 250);
    this.lostTimer.unref();
    void this.fetchLoop();
  }

  /**
   * Resolves once the cloud answered with the stream (or audio is decoded), or the stream failed or
   * ended; true when it is playing. The decoder's first output is not awaited: positions follow the
   * shared clock, so a box whose ffmpeg starts slowly plays silence for that moment, not late.
   */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    await this.wakeups.until(() => this.connected || this.decodedSamples !== 0 || this.ended || this.closed, deadline);
    return (this.connected || this.decodedSamples > 0) && !this.closed && this.error === null;
  }

  /**
   * `count` samples from stream position `from` (s16le): what was decoded there, silence where it
   * was not (yet); null once the stream has ended and `from` is past its end. Reads only go forward:
   * everything before `from` is let go.
   */
  read(from: number, count: number): Buffer | null {
    if (this.closed || (this.ended && from >= this.decodedSamples)) return null;
    this.dropBefore(from);
    const out = Buffer.alloc(count * BYTES_PER_SAMPLE);
    const have = this.start + this.bytes / BYTES_PER_SAMPLE;
    const first = Math.max(from, this.start);
    const last = Math.min(from + count, have);
    if (last < from + count && !this.ended) this.underruns++;
    if (last <= first) return out;
    let pos = this.start;
    for (const c of this.chunks) {
      const cEnd = pos + c.length / BYTES_PER_SAMPLE;
      const a = Math.max(first, pos);
      const b = Math.min(last, cEnd);
      if (a < b) c.copy(out, (a - from) * BYTES_PER_SAMPLE, (a - pos) * BYTES_PER_SAMPLE, (b - pos) * BYTES_PER_SAMPLE);
      pos = cEnd;
      if (pos >= last) break;
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.lostTimer);
    this.abort.abort();
    this.decoder.kill('SIGKILL');
    this.chunks = [];
    this.bytes = 0;
    this.wakeups.wake();
  }

  private onPcm(d: Buffer): void {
    if (this.closed) return;
    this.chunks.push(d);
    this.bytes += d.length;
    this.decodedSamples += d.length / BYTES_PER_SAMPLE;
    this.dropBefore(Math.max(this.options.floor(), this.decodedSamples - MAX_AHEAD_SAMPLES));
    this.wakeups.wake();
  }

  private dropBefore(sample: number): void {
    let drop = Math.min(sample - this.start, this.bytes / BYTES_PER_SAMPLE);
    if (drop <= 0) return;
    this.start += drop;
    this.bytes -= drop * BYTES_PER_SAMPLE;
    while (drop > 0) {
      const head = this.chunks[0]!;
      const n = head.length / BYTES_PER_SAMPLE;
      if (n <= drop) {
        drop -= n;
        this.chunks.shift();
      } else {
        this.chunks[0] = head.subarray(drop * BYTES_PER_SAMPLE);
        drop = 0;
      }
    }
  }

  /** Fetches the stream to its end, resuming after the byte last received when the link drops. */
  private async fetchLoop(): Promise<void> {
    let backoff = 200;
    while (!this.closed) {
      try {
        const headers: Record<string, string> = { authorization: deviceAuthorization(this.options.credentials()) };
        if (this.receivedBytes > 0) headers.range = `bytes=${this.receivedBytes}-`;
        const res = await fetch(this.options.url, { headers, signal: this.abort.signal });
        if (res.status === 403 || res.status === 404 || res.status === 401) {
          await res.body?.cancel();
          throw Object.assign(new Error(`the cloud refused the live stream: HTTP ${res.status}`), { final: true });
        }
        if (res.status !== 200 && res.status !== 206) {
          await res.body?.cancel();
          throw new Error(`live stream: HTTP ${res.status}`);
        }
        this.connected = true;
        this.wakeups.wake();
        if (res.status === 200 && this.receivedBytes > 0) {
          // the cloud ignored the range: skip what was already fed to the decoder
          await this.pump(res.body!, this.receivedBytes);
        } else await this.pump(res.body!, 0);
        // the body ended: the session's stream is complete
        this.decoder.stdin.end();
        return;
      } catch (err) {
        if (this.closed) return;
        if ((err as { final?: boolean }).final) {
          this.error = (err as Error).message;
          this.decoder.stdin.end();
          return;
        }
        this.options.logger?.warn({ err: (err as Error).message, url: this.options.url, receivedBytes: this.receivedBytes }, 'live stream dropped; resuming');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  private async pump(body: ReadableStream<Uint8Array>, skip: number): Promise<void> {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      if (this.closed) return;
      let buf = Buffer.from(chunk);
      if (skip > 0) {
        const n = Math.min(skip, buf.length);
        skip -= n;
        buf = buf.subarray(n);
        if (!buf.length) continue;
      }
      this.receivedBytes += buf.length;
      this.lastByteAt = Date.now();
      this.decoder.stdin.write(buf);
    }
  }

  private checkLoss(): void {
    if (this.closed || this.ended) return;
    const silentMs = Date.now() - this.lastByteAt;
    if (silentMs > this.options.lossMs) {
      const reason = this.error ?? `no audio from the cloud for ${Math.round(silentMs / 1000)} s`;
      this.close();
      this.options.onLost(reason);
    }
  }
}
