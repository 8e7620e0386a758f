import { runMediaProcess } from '../jobs/media-jobs.js';
import { assertSpeechOptions, assertWroteAudio, type SpeechOptions, type TtsEngine, type TtsVoice } from './tts-engine.js';
import { TtsFailed } from './tts-errors.js';

const VOICES: readonly TtsVoice[] = [
  { id: 'vi', label: 'Bắc' },
  { id: 'vi-vn-x-central', label: 'Trung' },
  { id: 'vi-vn-x-south', label: 'Nam' },
];

/** The offline default: espeak-ng's Vietnamese voices, one per regional accent. */
export class EspeakEngine implements TtsEngine {
  readonly id = 'espeak-ng';
  readonly voices = VOICES;

  constructor(private readonly binary = 'espeak-ng') {}

  async synthesize(text: string, options: SpeechOptions, outWav: string): Promise<void> {
    assertSpeechOptions(this.voices, options);
    // -b 1: the text on stdin is UTF-8; -w: a WAV file with a correct header, unlike --stdout
    const args = ['-v', options.voice, '-s', String(options.speed), '-b', '1', '-w', outWav, '--stdin'];
    await runMediaProcess(this.binary, args, { input: text, timeoutMs: 5 * 60_000 }).catch((err: Error) => {
      throw new TtsFailed(this.id, err.message, { cause: err });
    });
    await assertWroteAudio(this.id, outWav);
  }
}
