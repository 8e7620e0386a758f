import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { LIVE_VOICE_TIMESLICE_MS, type LiveVoiceServerMessage } from '@smart-commune/shared';

/**
 * A program playing the operator's browser: PCM it makes in real time (s16le 48 kHz mono, one 20 ms
 * frame every 20 ms of wall time) is encoded by ffmpeg into the WebM/Opus a browser's MediaRecorder
 * sends, and the pieces go to the live voice socket every 100 ms (the page's timeslice). Used by the
 * ingest's tests and by scripts/bench/live; the bench also knows when each sample left the "mouth".
 */
export interface OperatorOptions {
  /** ws:// or wss:// URL of the session's socket. */
  url: string;
  /** HTTP headers of the upgrade (Authorization: Bearer …, or Cookie and Origin as a browser). */
  headers: Record<string, string>;
  /** The audio to say: sample n (s16le, 48 kHz mono) of this function's output plays at start + n/48 ms. */
  sample(n: number): number;
  /** How long to speak, ms. */
  durationMs: number;
  /** Extra ffmpeg encoder arguments (bit rate…); defaults to what MediaRecorder uses: Opus 32 kbit/s, 20 ms frames. */
  bitrate?: string;
}

export interface OperatorRun {
  /** Wall-clock ms when sample 0 was handed to the encoder (the mouth's clock). */
  startedAt: number;
  /** Server messages received (ready, ended). */
  messages: LiveVoiceServerMessage[];
  /** The socket's close code and reason, once closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Bytes of WebM sent. */
  sentBytes(): number;
  /** Sends {"type":"stop"} after the last encoded piece, as the page does after MediaRecorder's last one. */
  stop(): void;
  /** Stops speaking and closes the socket (as a tab closing would). */
  hangUp(): void;
  /** Stops speaking but leaves the socket open (a microphone gone quiet, a frozen page). */
  mute(): void;
  /** Resolves when the whole duration has been said. */
  done: Promise<void>;
}

const FRAME_SAMPLES = 960; // 20 ms at 48 kHz

export async function speakAsOperator(options: OperatorOptions): Promise<OperatorRun> {
  const socket = new WebSocket(options.url, { headers: options.headers });
  const messages: LiveVoiceServerMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on('message', (data, isBinary) => {
    if (!isBinary) messages.push(JSON.parse(data.toString()) as LiveVoiceServerMessage);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });

  const encoder = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    // no probing of the raw input (its format is given): probing held the first second back, which
    // then reached the session in one burst and sat in its jitter buffer for the whole session
    '-probesize', '32', '-analyzeduration', '0',
    '-f', 's16le', '-ar', '48000', '-ac', '1', '-i', 'pipe:0',
    '-c:a', 'libopus', '-b:a', options.bitrate ?? '32k', '-frame_duration', '20', '-application', 'voip',
    // a live WebM like MediaRecorder's: clusters closed often, every packet flushed at once
    '-f', 'webm', '-live', '1', '-cluster_time_limit', String(LIVE_VOICE_TIMESLICE_MS), '-flush_packets', '1', 'pipe:1',
  ], { stdio: ['pipe', 'pipe', 'ignore'] });
  encoder.stdin.on('error', () => {});
  let pending: Buffer[] = [];
  let sent = 0;
  let muted = false;
  encoder.stdout.on('data', (chunk: Buffer) => pending.push(chunk));
  // MediaRecorder's timeslice: what was encoded goes out every 100 ms as one message
  const flush = setInterval(() => {
    if (!pending.length || muted || socket.readyState !== WebSocket.OPEN) return;
    const piece = Buffer.concat(pending);
    pending = [];
    sent += piece.length;
    socket.send(piece);
  }, LIVE_VOICE_TIMESLICE_MS);

  const startedAt = Date.now();
  let written = 0;
  const total = Math.round((options.durationMs / 1000) * 48_000);
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  // frames are made against the wall clock, so the stream keeps real time whatever the timer jitter
  const pace = setInterval(() => {
    const due = Math.min(total, Math.floor(((Date.now() - startedAt) / 1000) * 48_000 / FRAME_SAMPLES + 1) * FRAME_SAMPLES);
    if (due > written && !muted) {
      const pcm = Buffer.alloc((due - written) * 2);
      for (let i = 0; written + i < due; i++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(options.sample(written + i)))), i * 2);
      encoder.stdin.write(pcm);
      written = due;
    }
    if (written >= total || muted) {
      clearInterval(pace);
      encoder.stdin.end();
      finish();
    }
  }, 5);
  const stopAll = () => {
    muted = true;
    clearInterval(pace);
    encoder.stdin.end();
    finish();
  };
  const encoded = new Promise<void>((resolve) => encoder.on('close', () => resolve()));
  const flushLast = () => {
    if (pending.length && socket.readyState === WebSocket.OPEN && !muted) {
      const piece = Buffer.concat(pending);
      pending = [];
      sent += piece.length;
      socket.send(piece);
    }
  };
  void closed.then(() => {
    clearInterval(flush);
    stopAll();
  });

  return {
    startedAt,
    messages,
    closed,
    sentBytes: () => sent,
    stop: () => {
      void encoded.then(() => {
        flushLast();
        clearInterval(flush);
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'stop' }));
      });
    },
    hangUp: () => {
      stopAll();
      socket.close(1001, 'going away');
    },
    mute: stopAll,
    done,
  };
}
