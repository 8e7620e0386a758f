export { CommandEngine, type CommandEngineOptions } from './command-engine.js';
export { CommandTemplateError } from './command-template.js';
export { createTtsEngine, type TtsEngineOptions } from './create-tts-engine.js';
export { EspeakEngine } from './espeak-engine.js';
export { normalizeVietnamese } from './normalize-vietnamese.js';
export { PronunciationDictionary, type PronunciationEntry } from './pronunciation-dictionary.js';
export { PronunciationDictionaries } from './pronunciation-dictionaries.js';
export { SPEECH_SPEED_WPM, type SpeechOptions, type TtsEngine, type TtsVoice } from './tts-engine.js';
export { SpeechRejected, TtsFailed, type SpeechRejectedCode } from './tts-errors.js';
