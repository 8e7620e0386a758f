import { fileURLToPath } from 'node:url';

/**
 * The project's shared test material (only tests import this): the models and the real clip live in
 * shared/ beside the repository and are never copied into it.
 */
const shared = fileURLToPath(new URL('../../../../../shared/', import.meta.url));

export const MODEL_DIR = `${shared}models`;
/** 768x576, 10 fps, 200 frames: pedestrians on a campus walkway, a parked white van and a car. */
export const CLIP = `${shared}media/vtest-20s.mp4`;
export const CLIP_WIDTH = 768;
export const CLIP_HEIGHT = 576;
/** The clip's frame at 10 s as JPEG. */
export const FRAME_10S = `${shared}media/vtest-frame-10s.jpg`;

/** The paved walkway and road of the clip (normalised); the parked van and car stand above it. */
export const WALKWAY = [
  [0, 0.32],
  [0.4, 0.34],
  [0.62, 0.26],
  [0.8, 0.19],
  [1, 0.19],
  [1, 0.87],
  [0.5, 0.57],
  [0, 0.43],
] as const;

/** 14:00 and 23:30 in Vietnam (UTC+7) on 15 January 2025, as ms since the epoch. */
export const AFTERNOON_MS = Date.UTC(2025, 0, 15, 7, 0);
export const NIGHT_MS = Date.UTC(2025, 0, 15, 16, 30);
