import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AudioAsset } from '@smart-commune/shared';
import { PRIVATE_DIR, PRIVATE_FILE } from '../../private-files.js';
import type { AudioPipeline, SpeechPreview } from '../audio/pipeline.js';
import { SPEECH_SPEED_WPM } from '../tts/tts-engine.js';
import type { PronunciationDictionary } from '../tts/pronunciation-dictionary.js';
import type { Bulletin, BulletinStore } from './bulletin-store.js';

export interface SpeechRequest {
  title: string;
  text: string;
  voice: string;
  speed: number;
  createdBy: string | null;
  /** The commune it belongs to (radio-scope.ts communeForWrite); null or absent: the province's own. */
  communeCode?: string | null;
}

export interface UploadRequest {
  title: string;
  originalName: string;
  bytes: Uint8Array;
  createdBy: string | null;
  communeCode?: string | null;
}

/** Makes bulletins: speech through the TTS engine or an uploaded file, both through the audio pipeline. */
export class BulletinService {
  constructor(
    private readonly store: BulletinStore,
    private readonly pipeline: AudioPipeline,
    private readonly uploadDir: string,
    private readonly defaultVoice: string,
    /** The dictionary a commune's speech is read with (null: the province's); absent: the pipeline's own. */
    private readonly dictionaryOf: (communeCode: string | null) => PronunciationDictionary | undefined = () => undefined,
  ) {
    mkdirSync(uploadDir, { recursive: true, mode: PRIVATE_DIR });
  }

  /** `path` 'alert': the emergency fast path (one ffmpeg run, loudness within tolerance); 'exact' for every other bulletin. */
  async createSpeech(request: SpeechRequest, path: 'exact' | 'alert' = 'exact'): Promise<Bulletin> {
    const options = { voice: request.voice, speed: request.speed, dictionary: this.dictionaryOf(request.communeCode ?? null) };
    const prepared = path === 'alert' ? await this.pipeline.prepareAlertSpeech(request.text, options) : await this.pipeline.prepareSpeech(request.text, options);
    return this.store.create({
      title: request.title,
      kind: 'tts',
      text: request.text,
      spokenText: prepared.spokenText,
      voice: request.voice,
      speed: request.speed,
      originalName: null,
      asset: prepared.asset,
      integratedLufs: prepared.integratedLufs,
      truePeakDbtp: prepared.truePeakDbtp,
      createdBy: request.createdBy,
      communeCode: request.communeCode ?? null,
    });
  }

  /** The speech of a text as it would sound, for the operator to hear before saving; nothing is stored. */
  preview(request: Omit<SpeechRequest, 'title' | 'createdBy'>): Promise<SpeechPreview> {
    return this.pipeline.previewSpeech(request.text, { voice: request.voice, speed: request.speed, dictionary: this.dictionaryOf(request.communeCode ?? null) });
  }

  async createUpload(request: UploadRequest): Promise<Bulletin> {
    const file = join(this.uploadDir, `${randomUUID()}.upload`);
    writeFileSync(file, request.bytes, { mode: PRIVATE_FILE });
    try {
      const prepared = await this.pipeline.prepareFile(file);
      return await this.store.create({
        title: request.title,
        kind: 'upload',
        text: null,
        spokenText: null,
        voice: null,
        speed: null,
        originalName: request.originalName,
        asset: prepared.asset,
        integratedLufs: prepared.integratedLufs,
        truePeakDbtp: prepared.truePeakDbtp,
        createdBy: request.createdBy,
        communeCode: request.communeCode ?? null,
      });
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** Speech for an emergency alert, kept as a bulletin so its audio can be replayed and audited. */
  async speak(input: { title: string; text: string; voice?: string; speed?: number; createdBy: string | null; communeCode?: string | null }): Promise<{ bulletinId: string; asset: AudioAsset; durationMs: number }> {
    const bulletin = await this.createSpeech(
      { title: input.title, text: input.text, voice: input.voice ?? this.defaultVoice, speed: input.speed ?? SPEECH_SPEED_WPM.default, createdBy: input.createdBy, communeCode: input.communeCode },
      'alert',
    );
    return { bulletinId: bulletin.id, asset: bulletin.asset, durationMs: bulletin.durationMs };
  }
}
