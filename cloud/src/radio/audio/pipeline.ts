import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioAsset } from '@smart-commune/shared';
import { normalizeVietnamese } from '../tts/normalize-vietnamese.js';
import type { PronunciationDictionary } from '../tts/pronunciation-dictionary.js';
import type { SpeechOptions, TtsEngine } from '../tts/tts-engine.js';
import { SpeechRejected, TtsFailed } from '../tts/tts-errors.js';
import { AUDIO_FORMATS, type AudioFormat } from './audio-formats.js';
import { AudioRejected } from './audio-rejected.js';
import type { AssetStore } from './asset-store.js';
import { renderChimes, type ChimeSetting, type ChimeSounds } from './chime.js';
import { encodeAtTarget } from './encode-at-target.js';
import { normalizeLoudness } from './loudnorm.js';
import { probeAudio } from './probe-audio.js';

export interface PreparedAudio {
  asset: AudioAsset;
  /** Measured on the stored file. */
  integratedLufs: number;
  truePeakDbtp: number;
}

export interface AudioPipelineOptions {
  store: AssetStore;
  /** Scratch space; each bulletin works in its own subdirectory, removed afterwards. */
  workDir: string;
  format: AudioFormat;
  chime: ChimeSetting;
  /** Longest bulletin accepted, chimes not counted. */
  maxDurationS: number;
  tts: TtsEngine;
  dictionary: PronunciationDictionary;
  /** Longest text accepted for speech; 5000 by default. */
  maxTextChars?: number;
}

/** Turns an upload or a text into a stored, loudness-normalised, chime-framed bulletin ready for the edges. */
export class AudioPipeline {
  private readonly maxDurationMs: number;
  private readonly maxTextChars: number;
  /** Rendered once per process; a changed chime file is picked up at the next start. */
  private chimes: Promise<ChimeSounds | null> | null = null;

  constructor(private readonly options: AudioPipelineOptions) {
    this.maxDurationMs = options.maxDurationS * 1000;
    this.maxTextChars = options.maxTextChars ?? 5000;
  }

  /** Throws AudioRejected when the file is not usable sound. The caller keeps (and removes) `inputPath`. */
  async prepareFile(inputPath: string): Promise<PreparedAudio> {
    return this.inJobDir(async (dir) => {
      await probeAudio(inputPath, { maxDurationMs: this.maxDurationMs });
      return this.master(inputPath, dir);
    });
  }

  /** Throws SpeechRejected for a text or options to correct, AudioRejected when the speech would be too long. */
  async prepareSpeech(text: string, options: SpeechOptions): Promise<PreparedAudio & { spokenText: string }> {
    const trimmed = text.trim();
    if (!trimmed) throw new SpeechRejected('empty_text', 'The bulletin text is empty.');
    if (trimmed.length > this.maxTextChars) {
      throw new SpeechRejected('text_too_long', `The bulletin text has ${trimmed.length} characters; at most ${this.maxTextChars} can be read aloud. Shorten it or split it into several bulletins.`);
    }
    const spokenText = normalizeVietnamese(trimmed, this.options.dictionary);
    if (!/[\p{L}\p{N}]/u.test(spokenText)) throw new SpeechRejected('empty_text', 'The bulletin text has no words to read aloud.');
    return this.inJobDir(async (dir) => {
      const speech = join(dir, 'speech.wav');
      const { tts } = this.options;
      await tts.synthesize(spokenText, options, speech);
      await probeAudio(speech, { maxDurationMs: this.maxDurationMs }).catch((err: unknown) => {
        if (err instanceof AudioRejected && err.code !== 'too_long') throw new TtsFailed(tts.id, `its output is not usable: ${err.message}`, { cause: err });
        throw err;
      });
      return { ...(await this.master(speech, dir)), spokenText };
    });
  }

  private async master(input: string, dir: string): Promise<PreparedAudio> {
    const { format, store } = this.options;
    const content = join(dir, 'content.wav');
    const [chimes] = await Promise.all([this.chimeSounds(), normalizeLoudness(input, content)]);
    let parts = [content];
    if (chimes) {
      const [intro, outro] = [join(dir, 'intro.wav'), join(dir, 'outro.wav')];
      await Promise.all([writeFile(intro, chimes.intro), writeFile(outro, chimes.outro)]);
      parts = [intro, content, outro];
    }
    const encoded = join(dir, `bulletin.${AUDIO_FORMATS[format].extension}`);
    const { durationMs, ...loudness } = await encodeAtTarget(parts, encoded, format);
    const asset = await store.put(encoded, AUDIO_FORMATS[format].mime, durationMs);
    return { asset, ...loudness };
  }

  private chimeSounds(): Promise<ChimeSounds | null> {
    this.chimes ??= this.inJobDir((dir) => renderChimes(this.options.chime, dir)).catch((err: unknown) => {
      this.chimes = null;
      throw err;
    });
    return this.chimes;
  }

  private async inJobDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    await mkdir(this.options.workDir, { recursive: true });
    const dir = await mkdtemp(join(this.options.workDir, 'job-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
