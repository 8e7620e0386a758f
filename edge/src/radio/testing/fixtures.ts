/**
 * Test instruments for the radio tests: real audio files made by ffmpeg and a tiny asset server
 * (node:http, Range, Basic auth, fault injection) standing in for `GET /api/v1/assets/{sha256}`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioAsset } from '@smart-commune/shared';

export function tempDir(prefix = 'sc-radio-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AudioFile {
  path: string;
  asset: AudioAsset;
  data: Buffer;
}

/**
 * A short clip encoded by ffmpeg: a chord of sines (so its start and end are not silent by chance),
 * as Opus in Ogg or as MP3.
 */
export function makeAudio(dir: string, name: string, opts: { seconds: number; frequency?: number; format: 'opus' | 'mp3' }): AudioFile {
  const f = opts.frequency ?? 440;
  const ext = opts.format === 'opus' ? 'ogg' : 'mp3';
  const path = join(dir, `${name}.${ext}`);
  const codec = opts.format === 'opus' ? ['-c:a', 'libopus', '-b:a', '32k'] : ['-c:a', 'libmp3lame', '-b:a', '64k'];
  execFileSync('ffmpeg', [
    '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `sine=frequency=${f}:sample_rate=48000:duration=${opts.seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=${Math.round(f * 1.5)}:sample_rate=48000:duration=${opts.seconds}`,
    '-filter_complex', '[0][1]amix=inputs=2,volume=1.5',
    '-ac', '1', ...codec, path,
  ]);
  const data = readFileSync(path);
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { path, data, asset: { sha256, bytes: data.length, durationMs: Math.round(opts.seconds * 1000), mime: opts.format === 'opus' ? 'audio/ogg' : 'audio/mpeg' } };
}

export interface AssetServer {
  url: string;
  /** Every request seen: its path and Range header. */
  requests: Array<{ path: string; range: string | null; status: number }>;
  /** Serve these bytes for this sha256 (they need not hash to it: integrity tests). */
  put(sha256: string, data: Buffer): void;
  /** The next answer for this sha256 breaks the connection after this many body bytes. */
  cutNextAfter(sha256: string, bytes: number): void;
  /** Answer with 200 and the whole body even when a range is asked for. */
  ignoreRange: boolean;
  close(): Promise<void>;
}

export async function startAssetServer(credentials: { username: string; password: string }): Promise<AssetServer> {
  const files = new Map<string, Buffer>();
  const cuts = new Map<string, number>();
  const requests: AssetServer['requests'] = [];
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/api\/v1\/assets\/([a-f0-9]{64})$/.exec(req.url ?? '');
    const range = req.headers.range ?? null;
    const answer = (status: number) => {
      requests.push({ path: req.url ?? '', range, status });
      res.statusCode = status;
    };
    if (req.headers.authorization !== expected) {
      answer(401);
      return res.end();
    }
    const data = m ? files.get(m[1]!) : undefined;
    if (!m || !data) {
      answer(404);
      return res.end();
    }
    let start = 0;
    const r = range && !api.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
    if (r) {
      start = Number(r[1]);
      if (start >= data.length) {
        answer(416);
        res.setHeader('content-range', `bytes */${data.length}`);
        return res.end();
      }
      answer(206);
      res.setHeader('content-range', `bytes ${start}-${data.length - 1}/${data.length}`);
    } else answer(200);
    const body = data.subarray(start);
    res.setHeader('content-length', body.length);
    res.setHeader('accept-ranges', 'bytes');
    const cut = cuts.get(m[1]!);
    if (cut !== undefined) {
      cuts.delete(m[1]!);
      res.flushHeaders();
      res.write(body.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const api: AssetServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    ignoreRange: false,
    put: (sha256, data) => void files.set(sha256, data),
    cutNextAfter: (sha256, bytes) => void cuts.set(sha256, bytes),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}

/** Also serves plain files at /files/{name} for stream (live relay) tests. */
export async function startFileServer(files: Record<string, Buffer>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/files\//, '');
    const data = files[name];
    if (!data) {
      res.statusCode = 404;
      return res.end();
    }
    res.setHeader('content-type', 'audio/mpeg');
    res.end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
