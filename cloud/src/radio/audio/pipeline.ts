import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioAsset } from '@smart-commune/shared';
import { urgently } from '../jobs/media-jobs.js';
import { normalizeVietnamese } from '../tts/normalize-vietnamese.js';
import type { PronunciationDictionary } from '../tts/pronunciation-dictionary.js';
import type { SpeechOptions, TtsEngine } from '../tts/tts-engine.js';
import { SpeechRejected, TtsFailed } from '../tts/tts-errors.js';
import { PRIVATE_DIR, PRIVATE_FILE } from '../../private-files.js';
import { AUDIO_FORMATS, type AudioFormat } from './audio-formats.js';
import { AudioRejected } from './audio-rejected.js';
import type { AssetStore } from './asset-store.js';
import { renderChimes, type ChimeSetting, type ChimeSounds } from './chime.js';
import { encodeAtTarget } from './encode-at-target.js';
import { normalizeLoudness } from './loudnorm.js';
import { probeAudio, tooLong } from './probe-audio.js';
import { prepareChimeFiles, type ChimeFiles } from './alert-chimes.js';
import { AlertMaster } from './alert-master.js';
import { integratedLoudness } from './r128-meter.js';
import { readWavMono } from './wav-file.js';

/** Below this the speech is silence (or hiss) that no gain can turn into an alert. */
const SILENCE_LUFS = -60;

export interface PreparedAudio {
  asset: AudioAsset;
  /** Measured on the stored file. */
  integratedLufs: number;
  truePeakDbtp: number;
}

/** An encoded file in a job directory, not stored yet. */
interface RenderedAudio {
  file: string;
  durationMs: number;
  integratedLufs: number;
  truePeakDbtp: number;
}

/** Speech options, and the pronunciation dictionary to read the text with (a commune's; default the pipeline's). */
export type WithDictionary = SpeechOptions & { dictionary?: PronunciationDictionary };

/** Speech heard before it is saved: the encoded bytes, nothing stored. */
export interface SpeechPreview {
  audio: Buffer;
  mime: AudioAsset['mime'];
  durationMs: number;
  integratedLufs: number;
  truePeakDbtp: number;
  spokenText: string;
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
  /** The alert path's chimes, written once per process into the work directory. */
  private alertChimeFiles: Promise<ChimeFiles | null> | null = null;
  private readonly alertMaster: AlertMaster;

  constructor(private readonly options: AudioPipelineOptions) {
    this.maxDurationMs = options.maxDurationS * 1000;
    this.maxTextChars = options.maxTextChars ?? 5000;
    this.alertMaster = new AlertMaster(options.format);
  }

  /** Throws AudioRejected when the file is not usable sound. The caller keeps (and removes) `inputPath`. */
  async prepareFile(inputPath: string): Promise<PreparedAudio> {
    return this.inJobDir(async (dir) => {
      await probeAudio(inputPath, { maxDurationMs: this.maxDurationMs });
      return this.stored(await this.master(inputPath, dir));
    });
  }

  /** Throws SpeechRejected for a text or options to correct, AudioRejected when the speech would be too long. */
  async prepareSpeech(text: string, { dictionary, ...options }: WithDictionary): Promise<PreparedAudio & { spokenText: string }> {
    const spokenText = this.spokenText(text, dictionary);
    return this.inJobDir(async (dir) => {
      const speech = await this.synthesize(spokenText, options, dir);
      await this.probeSpeech(speech);
      return { ...(await this.stored(await this.master(speech, dir))), spokenText };
    });
  }

  /**
   * Speech for an emergency alert, by the fast path (alert-master.ts): one ffmpeg run after the
   * speech engine instead of the exact path's six to eight, loudness within the EBU R128 tolerance
   * rather than verified on the encoded file. The loudness recorded is the one measured on the PCM
   * that was encoded. Speech that is not a plain PCM WAV takes the exact path. Its processes go
   * ahead of the queue of bulletins and previews (media-jobs.ts).
   */
  async prepareAlertSpeech(text: string, { dictionary, ...options }: WithDictionary): Promise<PreparedAudio & { spokenText: string }> {
    const spokenText = this.spokenText(text, dictionary);
    return urgently(() => this.inJobDir(async (dir) => ({ ...(await this.stored(await this.renderAlertSpeech(spokenText, options, dir))), spokenText })));
  }

  /** The operator hears a text before saving it: rendered by the alert path (fast), nothing stored. */
  async previewSpeech(text: string, { dictionary, ...options }: WithDictionary): Promise<SpeechPreview> {
    const spokenText = this.spokenText(text, dictionary);
    return this.inJobDir(async (dir) => {
      const { file, ...rendered } = await this.renderAlertSpeech(spokenText, options, dir);
      return { audio: await readFile(file), mime: AUDIO_FORMATS[this.options.format].mime, ...rendered, spokenText };
    });
  }

  private async renderAlertSpeech(spokenText: string, options: SpeechOptions, dir: string): Promise<RenderedAudio> {
    const speech = await this.synthesize(spokenText, options, dir);
    const pcm = await readWavMono(speech);
    if (!pcm) {
      await this.probeSpeech(speech);
      return this.master(speech, dir);
    }
    const durationMs = (pcm.samples.length / pcm.rate) * 1000;
    if (durationMs > this.maxDurationMs) throw tooLong(durationMs, this.maxDurationMs);
    if (durationMs < 100 || integratedLoudness(pcm.samples, pcm.rate) <= SILENCE_LUFS) {
      throw new TtsFailed(this.options.tts.id, 'its output is not usable: it holds no sound');
    }
    const file = join(dir, `alert.${AUDIO_FORMATS[this.options.format].extension}`);
    const mastered = await this.alertMaster.master({ path: speech, pcm, voice: `${this.options.tts.id}:${options.voice}` }, await this.alertChimes(), file, dir);
    return { file, durationMs: mastered.durationMs, integratedLufs: mastered.integratedLufs, truePeakDbtp: mastered.truePeakDbtp };
  }

  /** Prepares what the alert path reuses (the chimes), so the first alert does not pay for it. */
  async warmUp(): Promise<void> {
    await this.alertChimes();
  }

  private spokenText(text: string, dictionary = this.options.dictionary): string {
    const trimmed = text.trim();
    if (!trimmed) throw new SpeechRejected('empty_text', 'The bulletin text is empty.');
    if (trimmed.length > this.maxTextChars) {
      throw new SpeechRejected('text_too_long', `The bulletin text has ${trimmed.length} characters; at most ${this.maxTextChars} can be read aloud. Shorten it or split it into several bulletins.`);
    }
    const spokenText = normalizeVietnamese(trimmed, dictionary);
    if (!/[\p{L}\p{N}]/u.test(spokenText)) throw new SpeechRejected('empty_text', 'The bulletin text has no words to read aloud.');
    return spokenText;
  }

  private async synthesize(spokenText: string, options: SpeechOptions, dir: string): Promise<string> {
    const speech = join(dir, 'speech.wav');
    await this.options.tts.synthesize(spokenText, options, speech);
    return speech;
  }

  private async probeSpeech(speech: string): Promise<void> {
    const { tts } = this.options;
    await probeAudio(speech, { maxDurationMs: this.maxDurationMs }).catch((err: unknown) => {
      if (err instanceof AudioRejected && err.code !== 'too_long') throw new TtsFailed(tts.id, `its output is not usable: ${err.message}`, { cause: err });
      throw err;
    });
  }

  private async stored({ file, durationMs, integratedLufs, truePeakDbtp }: RenderedAudio): Promise<PreparedAudio> {
    const asset = await this.options.store.put(file, AUDIO_FORMATS[this.options.format].mime, durationMs);
    return { asset, integratedLufs, truePeakDbtp };
  }

  private async master(input: string, dir: string): Promise<RenderedAudio> {
    const { format } = this.options;
    const content = join(dir, 'content.wav');
    const [chimes] = await Promise.all([this.chimeSounds(), normalizeLoudness(input, content)]);
    let parts = [content];
    if (chimes) {
      const [intro, outro] = [join(dir, 'intro.wav'), join(dir, 'outro.wav')];
      await Promise.all([writeFile(intro, chimes.intro, { mode: PRIVATE_FILE }), writeFile(outro, chimes.outro, { mode: PRIVATE_FILE })]);
      parts = [intro, content, outro];
    }
    const encoded = join(dir, `bulletin.${AUDIO_FORMATS[format].extension}`);
    const { durationMs, integratedLufs, truePeakDbtp } = await encodeAtTarget(parts, encoded, format);
    return { file: encoded, durationMs, integratedLufs, truePeakDbtp };
  }

  private alertChimes(): Promise<ChimeFiles | null> {
    this.alertChimeFiles ??= prepareChimeFiles(this.options.chime, join(this.options.workDir, 'alert-chimes')).catch((err: unknown) => {
      this.alertChimeFiles = null;
      throw err;
    });
    return this.alertChimeFiles;
  }

  private chimeSounds(): Promise<ChimeSounds | null> {
    this.chimes ??= this.inJobDir((dir) => renderChimes(this.options.chime, dir)).catch((err: unknown) => {
      this.chimes = null;
      throw err;
    });
    return this.chimes;
  }

  private async inJobDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    await mkdir(this.options.workDir, { recursive: true, mode: PRIVATE_DIR });
    const dir = await mkdtemp(join(this.options.workDir, 'job-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
