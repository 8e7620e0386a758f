import { stat } from 'node:fs/promises';
import { lastLines, ProcessFailed } from '../tts/run-process.js';
import { AudioRejected, formatDuration } from './audio-rejected.js';
import { audioInput, ffmpeg, ffprobe, PROGRESS, progressDurationMs } from './ffmpeg.js';

export interface AudioProbe {
  formatName: string;
  codec: string;
  /** Measured by decoding the whole file, not taken from its header. */
  durationMs: number;
  sampleRate: number;
  channels: number;
}

export interface ProbeOptions {
  /** Longer files are refused with `too_long`. */
  maxDurationMs?: number;
}

interface FfprobeOutput {
  format?: { format_name?: string; duration?: string };
  streams?: { codec_type?: string; codec_name?: string; duration?: string; sample_rate?: string; channels?: number }[];
}

interface Header {
  formatName: string;
  codec: string;
  sampleRate: number;
  channels: number;
  /** What the header announces; null when ffmpeg only guessed it from the bit rate. */
  declaredMs: number | null;
}

const MIN_DURATION_MS = 100;
const ACCEPTED = 'Upload an MP3, WAV, OGG/Opus or M4A sound file.';

export const tooLong = (durationMs: number, maxMs: number) =>
  new AudioRejected('too_long', `The bulletin lasts ${formatDuration(durationMs)}; at most ${formatDuration(maxMs)} is allowed. Shorten it or split it into several bulletins.`);

async function readHeader(path: string): Promise<Header> {
  let output: { stdout: string; stderr: string };
  try {
    output = await ffprobe(['-v', 'warning', '-print_format', 'json', '-show_format', '-show_streams', ...audioInput(path)]);
  } catch (err) {
    if (err instanceof ProcessFailed) throw new AudioRejected('not_audio', `This file is not a sound recording that can be played. ${ACCEPTED}`);
    throw err;
  }
  const probe = JSON.parse(output.stdout) as FfprobeOutput;
  const stream = probe.streams?.find((s) => s.codec_type === 'audio');
  if (!stream) throw new AudioRejected('empty', `This file has no sound track (it holds only pictures or video). ${ACCEPTED}`);
  const declaredMs = Number(stream.duration ?? probe.format?.duration) * 1000;
  const guessed = output.stderr.includes('Estimating duration from bitrate') || !Number.isFinite(declaredMs);
  return {
    formatName: probe.format?.format_name ?? 'unknown',
    codec: stream.codec_name ?? 'unknown',
    sampleRate: Number(stream.sample_rate ?? 0),
    channels: stream.channels ?? 0,
    declaredMs: guessed ? null : declaredMs,
  };
}

/** Decodes every sample, which finds damage a header check misses; returns the decoded duration. */
async function decodedDurationMs(path: string, maxDurationMs: number | undefined): Promise<number> {
  // decoding a little past the limit is enough to know the file is too long, however long it is
  const limit = maxDurationMs === undefined ? [] : ['-t', String(maxDurationMs / 1000 + 1)];
  const damaged = (detail: string) =>
    new AudioRejected('corrupt', `This sound file is damaged and cannot be played to the end (${detail}). Export or record it again and upload the new file.`);
  try {
    const { stdout, stderr } = await ffmpeg(['-v', 'error', ...PROGRESS, ...audioInput(path), '-map', '0:a:0', ...limit, '-f', 'null', '-']);
    if (stderr.trim()) throw damaged(lastLines(stderr, 1));
    return progressDurationMs(stdout);
  } catch (err) {
    if (err instanceof ProcessFailed) throw damaged(lastLines(err.stderr, 1) || err.message);
    throw err;
  }
}

/** Checks that a file is playable sound and describes it; refuses it with an AudioRejected otherwise. */
export async function probeAudio(path: string, options: ProbeOptions = {}): Promise<AudioProbe> {
  const { maxDurationMs } = options;
  if ((await stat(path)).size === 0) throw new AudioRejected('empty', 'The file is empty (0 bytes). Upload it again.');
  const { declaredMs, ...header } = await readHeader(path);
  if (maxDurationMs !== undefined && declaredMs !== null && declaredMs > maxDurationMs) throw tooLong(declaredMs, maxDurationMs);
  const durationMs = await decodedDurationMs(path, maxDurationMs);
  if (maxDurationMs !== undefined && durationMs > maxDurationMs) throw tooLong(durationMs, maxDurationMs);
  if (declaredMs !== null && durationMs < declaredMs * 0.9 && declaredMs - durationMs > 500) {
    throw new AudioRejected(
      'corrupt',
      `This sound file is incomplete: it should last ${formatDuration(declaredMs)} but only ${formatDuration(durationMs)} of it is there. Was the upload or the copy cut off? Upload the whole file again.`,
    );
  }
  if (durationMs < MIN_DURATION_MS) throw new AudioRejected('empty', `This sound file holds no sound (it lasts ${formatDuration(durationMs)}).`);
  return { ...header, durationMs };
}
