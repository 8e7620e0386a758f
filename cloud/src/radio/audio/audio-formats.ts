import type { AudioAsset } from '@smart-commune/shared';

export type AudioFormat = 'opus' | 'mp3';

interface FormatSpec {
  mime: AudioAsset['mime'];
  extension: string;
  encoder: readonly string[];
}

/** Distribution formats: mono 48 kHz, bit rates that keep speech clear over a 3G link to the edge. */
export const AUDIO_FORMATS: Readonly<Record<AudioFormat, FormatSpec>> = {
  opus: { mime: 'audio/ogg', extension: 'ogg', encoder: ['-c:a', 'libopus', '-b:a', '48k', '-f', 'ogg'] },
  mp3: { mime: 'audio/mpeg', extension: 'mp3', encoder: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'] },
};

export function extensionOf(mime: AudioAsset['mime']): string {
  const format = Object.values(AUDIO_FORMATS).find((spec) => spec.mime === mime);
  if (!format) throw new Error(`no audio format has the MIME type ${mime}`);
  return format.extension;
}
