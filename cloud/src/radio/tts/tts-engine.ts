import { stat } from 'node:fs/promises';
import { SpeechRejected, TtsFailed } from './tts-errors.js';

export interface TtsVoice {
  id: string;
  /** Shown to the operator, e.g. the regional accent "Bắc". */
  label: string;
}

export interface SpeechOptions {
  voice: string;
  /** Words per minute, within SPEECH_SPEED_WPM. */
  speed: number;
}

/** A text-to-speech engine: writes the spoken text as a WAV file. */
export interface TtsEngine {
  readonly id: string;
  readonly voices: readonly TtsVoice[];
  synthesize(text: string, options: SpeechOptions, outWav: string): Promise<void>;
}

export const SPEECH_SPEED_WPM = { min: 80, max: 300, default: 160 } as const;

export function assertSpeechOptions(voices: readonly TtsVoice[], options: SpeechOptions): void {
  if (!voices.some((voice) => voice.id === options.voice)) {
    const known = voices.map((voice) => `${voice.id} (${voice.label})`).join(', ');
    throw new SpeechRejected('unknown_voice', `unknown voice "${options.voice}"; choose one of: ${known}`);
  }
  const { min, max } = SPEECH_SPEED_WPM;
  if (!Number.isInteger(options.speed) || options.speed < min || options.speed > max) {
    throw new SpeechRejected('speed_out_of_range', `reading speed must be a whole number of words per minute from ${min} to ${max}, not ${options.speed}`);
  }
}

/** Engines exit 0 even when they wrote nothing useful (e.g. a wrong output flag); a WAV header alone is 44 bytes. */
export async function assertWroteAudio(engine: string, outWav: string): Promise<void> {
  const size = await stat(outWav).then((info) => info.size, () => 0);
  if (size <= 44) throw new TtsFailed(engine, `it produced no audio in ${outWav}`);
}
