import { CommandEngine } from './command-engine.js';
import { EspeakEngine } from './espeak-engine.js';
import type { TtsEngine, TtsVoice } from './tts-engine.js';

export interface TtsEngineOptions {
  engine: 'espeak-ng' | 'command';
  /** Required for 'command': the command template (see CommandEngine). */
  command?: string;
  /** For 'command': the voices the command understands in {voice}. */
  voices?: readonly TtsVoice[];
}

/** Builds the configured engine; a neural engine (e.g. piper) or a cloud service's client is a 'command'. */
export function createTtsEngine(options: TtsEngineOptions): TtsEngine {
  switch (options.engine) {
    case 'espeak-ng':
      return new EspeakEngine();
    case 'command':
      if (!options.command) {
        throw new Error('the "command" speech engine needs a command template, e.g. "piper --model vi.onnx --output_file {out}"');
      }
      return new CommandEngine({ command: options.command, voices: options.voices });
  }
}
