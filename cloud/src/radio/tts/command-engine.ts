import { fillCommandTemplate, parseCommandTemplate } from './command-template.js';
import { runMediaProcess } from '../jobs/media-jobs.js';
import { assertSpeechOptions, assertWroteAudio, type SpeechOptions, type TtsEngine, type TtsVoice } from './tts-engine.js';
import { TtsFailed } from './tts-errors.js';

export interface CommandEngineOptions {
  /** e.g. `piper --model vi.onnx --output_file {out}`; the text arrives on stdin; {voice} and {speed} are optional. */
  command: string;
  voices?: readonly TtsVoice[];
  timeoutMs?: number;
}

const DEFAULT_VOICES: readonly TtsVoice[] = [{ id: 'default', label: 'Mặc định' }];

/** Any speech program that reads text on stdin and writes a WAV file: how a neural or cloud engine plugs in without code. */
export class CommandEngine implements TtsEngine {
  readonly voices: readonly TtsVoice[];
  readonly id: string;
  private readonly words: string[];
  private readonly timeoutMs: number;

  constructor(options: CommandEngineOptions) {
    this.words = parseCommandTemplate(options.command);
    this.id = `command:${this.words[0]}`;
    this.voices = options.voices ?? DEFAULT_VOICES;
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
  }

  async synthesize(text: string, options: SpeechOptions, outWav: string): Promise<void> {
    assertSpeechOptions(this.voices, options);
    const [program, ...args] = fillCommandTemplate(this.words, { '{out}': outWav, '{voice}': options.voice, '{speed}': String(options.speed) });
    await runMediaProcess(program!, args, { input: text, timeoutMs: this.timeoutMs }).catch((err: Error) => {
      throw new TtsFailed(this.id, err.message, { cause: err });
    });
    await assertWroteAudio(this.id, outWav);
  }
}
