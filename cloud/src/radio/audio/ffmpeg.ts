import { runMediaProcess } from '../jobs/media-jobs.js';

/** Demuxers for the audio files people upload (mp3, wav, ogg/opus, m4a/mp4, aac, flac, mka/webm, amr). */
const AUDIO_DEMUXERS = 'mp3,wav,ogg,mov,aac,flac,matroska,amr';

/**
 * How every file enters ffmpeg: only plain audio containers, only from the local disk, so that an
 * uploaded playlist or concat script cannot make ffmpeg read other files or the network.
 */
export const audioInput = (path: string) => ['-format_whitelist', AUDIO_DEMUXERS, '-protocol_whitelist', 'file', '-i', `file:${path}`];

export const ffmpeg = (args: readonly string[]) => runMediaProcess('ffmpeg', ['-hide_banner', '-nostdin', '-y', ...args]);

export const ffprobe = (args: readonly string[]) => runMediaProcess('ffprobe', ['-hide_banner', ...args]);

/** Arguments that make ffmpeg report its progress on stdout, and how far it got: the duration it decoded or wrote. */
export const PROGRESS = ['-nostats', '-progress', 'pipe:1'] as const;
export function progressDurationMs(stdout: string): number {
  const times = [...stdout.matchAll(/^out_time_us=(\d+)$/gm)];
  return Math.round(Number(times.at(-1)?.[1] ?? 0) / 1000);
}
