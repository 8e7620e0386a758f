import { join } from 'node:path';
import { ConfigError, type CloudConfig } from '../../config.js';
import type { QueryDatabase } from '../../db/query/index.js';
import type { Guard } from '../../http/access.js';
import type { MediaStore } from '../../storage/media-store.js';
import { AssetStore, AudioPipeline } from '../audio/index.js';
import { createTtsEngine, PronunciationDictionaries } from '../tts/index.js';
import { BulletinService } from './bulletin-service.js';
import { BulletinStore } from './bulletin-store.js';
import { createBulletinsRoutes } from './bulletins-routes.js';
import { communeForWrite } from '../scope/radio-scope.js';

export type Bulletins = ReturnType<typeof createBulletins>;

/** Bulletins with their audio: the speech engine, the pronunciation dictionary, the audio pipeline and the asset store. */
/** `query`: the bulletins', the audio assets' stores and the commune lookups; `media`: the cloud's one media store (the audio's bytes). */
export function createBulletins(query: QueryDatabase, config: CloudConfig, media: MediaStore) {
  const dataDir = config.SC_DATA_DIR;
  const assets = new AssetStore(query, media);
  const tts = createTtsEngine({ engine: config.SC_TTS_ENGINE, command: config.SC_TTS_COMMAND });
  if (!tts.voices.some((v) => v.id === config.SC_TTS_DEFAULT_VOICE)) {
    throw new ConfigError(`SC_TTS_DEFAULT_VOICE "${config.SC_TTS_DEFAULT_VOICE}" is not a voice of the ${tts.id} engine (voices: ${tts.voices.map((v) => v.id).join(', ')})`);
  }
  // the province's dictionary (the file of before issue 10) and each commune's layer above it
  const dictionaries = new PronunciationDictionaries(join(dataDir, 'tts'));
  const dictionary = dictionaries.province;
  const pipeline = new AudioPipeline({
    store: assets,
    workDir: join(dataDir, 'work'),
    format: config.SC_AUDIO_FORMAT,
    chime: config.SC_AUDIO_CHIME,
    maxDurationS: config.SC_AUDIO_MAX_DURATION_S,
    tts,
    dictionary,
  });
  const store = new BulletinStore(query);
  const service = new BulletinService(store, pipeline, join(dataDir, 'work', 'uploads'), config.SC_TTS_DEFAULT_VOICE, (communeCode) => dictionaries.of(communeCode));
  return {
    assets,
    pipeline,
    tts,
    dictionary,
    dictionaries,
    store,
    service,
    routes: (guard: Guard) =>
      createBulletinsRoutes({ guard, store, service, assets, tts, dictionaries, defaultVoice: config.SC_TTS_DEFAULT_VOICE, maxUploadBytes: config.SC_MAX_UPLOAD_BYTES,
        communeFor: (person, asked) => communeForWrite(query, person, asked),
      }),
  };
}
