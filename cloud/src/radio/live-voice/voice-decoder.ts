import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * WebM/Opus in (the browser's MediaRecorder pieces, in order), s16le 48 kHz mono out, as soon as
 * each Opus packet is decoded: no probing (the format is known), no input buffering, output flushed
 * packet by packet. Only the pipe and the Matroska demuxer are allowed, so what a socket sends can
 * never make ffmpeg open a file or the network.
 */
const DECODER_ARGS = [
  '-hide_banner', '-loglevel', 'error',
  '-protocol_whitelist', 'pipe', '-format_whitelist', 'matroska',
  '-probesize', '4096', '-analyzeduration', '0',
  '-f', 'matroska', '-i', 'pipe:0',
  '-map', '0:a:0', '-vn', '-ac', '1', '-ar', '48000',
  '-flush_packets', '1', '-f', 's16le', 'pipe:1',
];

export interface VoiceDecoderHooks {
  /** Decoded PCM, s16le 48 kHz mono, in order. */
  onPcm(pcm: Buffer): void;
  /** ffmpeg ended: null when the stream ended cleanly, else why it could not decode it. */
  onExit(error: string | null): void;
}

/**
 * One ffmpeg per operator socket. A reconnection opens a new socket and so a new decoder: the
 * browser starts a new MediaRecorder, whose WebM stream begins with its own header.
 */
export class VoiceDecoder {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stderr = '';
  private finished = false;
  /** PCM bytes decoded so far. */
  decodedBytes = 0;
  /** Resolves once ffmpeg has exited (everything it decoded was handed over). */
  readonly exited: Promise<void>;
  private resolveExited: () => void = () => {};

  constructor(hooks: VoiceDecoderHooks, ffmpegPath = 'ffmpeg') {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.child = spawn(ffmpegPath, DECODER_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {}); // ffmpeg gone: its exit says why
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.decodedBytes += chunk.length;
      hooks.onPcm(chunk);
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 2000) this.stderr += chunk.toString();
    });
    this.child.on('error', (err) => this.exit(hooks, `ffmpeg could not run: ${err.message}`));
    this.child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && this.finished) return this.exit(hooks, null);
      const text = this.stderr.trim().split('\n').slice(-3).join(' / ');
      this.exit(hooks, code === 0 ? null : `the microphone's stream is not WebM/Opus audio (ffmpeg: ${text || `exit ${code ?? signal}`})`);
    });
  }

  private done = false;
  private exit(hooks: VoiceDecoderHooks, error: string | null): void {
    if (this.done) return;
    this.done = true;
    this.resolveExited();
    hooks.onExit(error);
  }

  /** The next piece of the WebM stream. */
  write(piece: Buffer): void {
    if (!this.finished) this.child.stdin.write(piece);
  }

  /** No more input: ffmpeg decodes what it has, then exits (onExit). */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.child.stdin.end();
    // a stream cut mid-cluster can leave ffmpeg waiting; it has had its chance after 2 s
    setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
  }

  /** Stops at once, dropping what is not decoded yet. */
  kill(): void {
    this.finished = true;
    this.child.kill('SIGKILL');
  }
}
