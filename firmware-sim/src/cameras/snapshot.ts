import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './camera-http.js';
import type { PreparedClip } from './clip-cache.js';
import type { DigestAuth } from './http-digest.js';

/** The camera's JPEG snapshot: the clip's frame at the stream's current position, behind HTTP Digest. */

export const SNAPSHOT_PATH = '/onvif/snapshot.jpg';

const frameCache = new Map<string, Promise<Buffer>>();
const readFrame = (path: string) => {
  let p = frameCache.get(path);
  if (!p) {
    p = readFile(path);
    frameCache.set(path, p);
    p.catch(() => frameCache.delete(path));
  }
  return p;
};

export interface SnapshotSource {
  clip: PreparedClip;
  digest: DigestAuth;
  passwordOf: (username: string) => string | undefined;
  /** False while the RTSP pipeline is stopped or restarting: no picture to take. */
  pipelineRunning: () => boolean;
  /** Position in the clip, in ms, of what the stream shows now. */
  positionMs: () => number;
}

export type SnapshotHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function snapshotHandler(source: SnapshotSource): SnapshotHandler {
  const { clip, digest } = source;
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only\n', { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
    const auth = digest.verify(req.headers.authorization, req.method, req.url ?? SNAPSHOT_PATH, source.passwordOf);
    if (auth !== 'ok') {
      return send(res, 401, 'authentication required\n', { 'WWW-Authenticate': digest.challenge(auth === 'stale'), 'Content-Type': 'text/plain' });
    }
    if (!source.pipelineRunning()) return send(res, 503, 'video pipeline not running\n', { 'Content-Type': 'text/plain', 'Retry-After': '5' });
    const index = Math.floor((source.positionMs() / 1000) * clip.fps / clip.frameStep) % clip.frames.length;
    const jpeg = await readFrame(clip.frames[index]!);
    return send(res, 200, jpeg, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-store' });
  };
}
