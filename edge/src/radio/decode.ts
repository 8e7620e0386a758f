import { spawn, type ChildProcess } from 'node:child_process';
import { countChildProcess } from '../child-processes.js';
import { FRAME_BYTES, SAMPLE_RATE } from './pcm.js';
import { Wakeups } from './wakeups.js';

const OUTPUT_ARGS = ['-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-acodec', 'pcm_s16le', '-f', 's16le', 'pipe:1'];

export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Decodes a whole file (Opus, MP3, anything ffmpeg reads) to s16le 48 kHz mono PCM in memory. */
export function decodeFile(path: string, ffmpegPath = 'ffmpeg'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    countChildProcess(ffmpegPath);
    const child = spawn(ffmpegPath, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', path, ...OUTPUT_ARGS], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (err) => reject(new DecodeError(`ffmpeg could not start: ${err.message}`)));
    child.on('close', (code) => {
      const pcm = Buffer.concat(chunks);
      if (code !== 0) reject(new DecodeError(`ffmpeg failed to decode ${path} (exit ${code}): ${stderr.trim()}`));
      else if (pcm.length === 0) reject(new DecodeError(`ffmpeg decoded no audio from ${path}`));
      else resolve(pcm);
    });
  });
}

export interface LiveDecoderOptions {
  ffmpegPath?: string;
  /** Audio kept while waiting to play; older audio is dropped (a live relay keeps the newest). */
  maxBufferMs?: number;
}

/**
 * A live relay decoded by ffmpeg at its native rate (-re), buffered in memory. Started a little
 * before the item's window; the player reads 10 ms frames from it and gets silence on an underrun.
 */
export class LiveDecoder {
  private readonly child: ChildProcess;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly maxBytes: number;
  private stderr = '';
  private ended = false;
  private exitCode: number | null = null;
  private readonly wakeups = new Wakeups();
  underruns = 0;

  constructor(
    readonly url: string,
    options: LiveDecoderOptions = {},
  ) {
    this.maxBytes = Math.ceil(((options.maxBufferMs ?? 5000) / 1000) * SAMPLE_RATE * 2);
    const input = /^https?:/i.test(url) ? ['-reconnect', '1', '-reconnect_streamed', '1', '-reconnect_delay_max', '2'] : [];
    countChildProcess(options.ffmpegPath ?? 'ffmpeg');
    this.child = spawn(options.ffmpegPath ?? 'ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', ...input, '-i', url, ...OUTPUT_ARGS], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      const excess = this.buffered - this.maxBytes;
      if (excess > 0) this.discard(Math.ceil(excess / FRAME_BYTES) * FRAME_BYTES); // whole frames: samples stay aligned
      this.wakeups.wake();
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.child.on('error', (err) => {
      this.stderr += err.message;
      this.finish(-1);
    });
    this.child.on('close', (code) => this.finish(code ?? -1));
  }

  private discard(bytes: number): void {
    let left = Math.min(bytes, this.buffered);
    this.buffered -= left;
    while (left > 0) {
      const head = this.chunks[0]!;
      if (head.length <= left) {
        left -= head.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = head.subarray(left);
        left = 0;
      }
    }
  }

  private finish(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.exitCode = code;
    this.wakeups.wake();
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  get done(): boolean {
    return this.ended && this.buffered === 0;
  }

  /** Why the relay stopped, when it did with an error. */
  get error(): string | null {
    return this.ended && this.exitCode !== 0 && this.exitCode !== null ? this.stderr.trim() || `ffmpeg exit ${this.exitCode}` : null;
  }

  /** Resolves once `bytes` are buffered or the relay ended; true when there is audio to play. */
  async waitFor(bytes: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    await this.wakeups.until(() => this.buffered >= bytes || this.ended, deadline);
    return this.buffered > 0;
  }

  /** The next frame: audio when buffered, silence on an underrun, null once the relay ended and is drained. */
  read(): Buffer | null {
    if (this.buffered === 0) {
      if (this.ended) return null;
      this.underruns++;
      return Buffer.alloc(FRAME_BYTES);
    }
    const out = Buffer.allocUnsafe(Math.min(FRAME_BYTES, this.buffered));
    let filled = 0;
    while (filled < out.length) {
      const head = this.chunks[0]!;
      const take = Math.min(head.length, out.length - filled);
      head.copy(out, filled, 0, take);
      filled += take;
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
    }
    this.buffered -= filled;
    if (filled < FRAME_BYTES && !this.ended) {
      // keep frames whole while the relay runs: pad this one, it is an underrun
      this.underruns++;
      return Buffer.concat([out, Buffer.alloc(FRAME_BYTES - filled)]);
    }
    return out;
  }

  close(): void {
    if (!this.ended) this.child.kill('SIGKILL');
    this.chunks.length = 0;
    this.buffered = 0;
  }
}
