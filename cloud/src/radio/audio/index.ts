export { AssetStore } from './asset-store.js';
export { AUDIO_FORMATS, type AudioFormat } from './audio-formats.js';
export { AudioPipeline, type AudioPipelineOptions, type PreparedAudio } from './pipeline.js';
export { AudioRejected, type AudioRejectedCode } from './audio-rejected.js';
export type { ChimeSetting } from './chime.js';
export { LOUDNESS_TARGET } from './loudness-target.js';
export { measureLoudness, type Loudness } from './measure-loudness.js';
export { probeAudio, type AudioProbe, type ProbeOptions } from './probe-audio.js';
