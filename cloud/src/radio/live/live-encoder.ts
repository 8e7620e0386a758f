import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { PRIVATE_FILE } from '../../private-files.js';

/**
 * Opus at 48 kb/s (speech and music from a relay both sound right), one 20 ms Opus packet per frame
 * and one Ogg page per packet (`-page_duration 20000` µs, flushed at once): a box receives each
 * 20 ms of audio as soon as it is encoded instead of once a second (the Ogg muxer's default page).
 */
const ENCODER_ARGS = [
  '-hide_banner', '-loglevel', 'error',
  // no probing of the input: its format is given, and probing held the first second back (not
  // `-fflags nobuffer`: it drops what probing read, the first 21 ms, shifting the stream off the clock)
  '-probesize', '32', '-analyzeduration', '0',
  '-f', 's16le', '-ar', '48000', '-ac', '1', '-i', 'pipe:0',
  '-c:a', 'libopus', '-b:a', '48k', '-application', 'audio', '-frame_duration', '20',
  '-page_duration', '20000', '-flush_packets', '1', '-fflags', '+flush_packets',
  '-f', 'ogg', 'pipe:1',
];

export interface LiveEncoderHooks {
  /** More of the stream is on disk (total bytes). */
  onGrow(bytes: number): void;
}

/**
 * One session's ffmpeg: s16le frames in, Ogg Opus out, appended to the recording file as it comes
 * (the file is what the boxes read, tailing it, and what is archived at the end).
 */
export class LiveEncoder {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly fd: number;
  private stderr = '';
  bytes = 0;
  /** Resolves when ffmpeg has exited and the file is complete; with the error text when it failed. */
  readonly done: Promise<string | null>;
  private exited = false;

  constructor(
    readonly file: string,
    hooks: LiveEncoderHooks,
    ffmpegPath = 'ffmpeg',
  ) {
    this.fd = openSync(file, 'wx', PRIVATE_FILE);
    this.child = spawn(ffmpegPath, ENCODER_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {}); // ffmpeg gone: its exit says why
    this.child.stdout.on('data', (chunk: Buffer) => {
      writeSync(this.fd, chunk);
      this.bytes += chunk.length;
      hooks.onGrow(this.bytes);
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 4000) this.stderr += chunk.toString();
    });
    this.done = new Promise((resolve) => {
      let outputClosed = false;
      let exit: string | null | undefined;
      const settle = () => {
        if (!outputClosed || exit === undefined) return;
        closeSync(this.fd);
        resolve(exit);
      };
      this.child.stdout.on('close', () => {
        outputClosed = true;
        settle();
      });
      this.child.on('error', (err) => {
        this.exited = true;
        exit = `ffmpeg could not start: ${err.message}`;
        outputClosed = true;
        settle();
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        exit = code === 0 ? null : `ffmpeg (Opus encoder) ${signal ? `killed by ${signal}` : `exit ${code}`}: ${this.stderr.trim().slice(0, 500)}`;
        settle();
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** One 20 ms frame (false when ffmpeg is gone). */
  write(frame: Buffer): boolean {
    if (this.exited || this.child.stdin.destroyed) return false;
    this.child.stdin.write(frame);
    return true;
  }

  /** No more frames: ffmpeg flushes its last page and exits. */
  finish(): Promise<string | null> {
    if (!this.child.stdin.destroyed) this.child.stdin.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    return this.done.finally(() => clearTimeout(kill));
  }
}
