export type AudioRejectedCode = 'not_audio' | 'corrupt' | 'empty' | 'too_long';

/**
 * An upload the operator must replace. HTTP status: 415 when the file is not a sound recording at all,
 * 422 when it is one but damaged, silent or too long.
 */
export class AudioRejected extends Error {
  override name = 'AudioRejected';
  readonly status: 415 | 422;
  constructor(
    readonly code: AudioRejectedCode,
    message: string,
  ) {
    super(message);
    this.status = code === 'not_audio' ? 415 : 422;
  }
}

/** "1 min 5 s", "45 s", "0.3 s": for messages to the operator. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${Math.round(ms / 100) / 10} s`;
  const seconds = Math.round(ms / 1000);
  const [minutes, rest] = [Math.floor(seconds / 60), seconds % 60];
  return minutes === 0 ? `${rest} s` : `${minutes} min${rest ? ` ${rest} s` : ''}`;
}
