import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { locate, signalPcm } from '../../../../test-support/live-audio.js';
import { sleep, waitFor } from '../../../../test-support/wait.js';
import { LiveStream } from './live-stream.js';

const RATE = 48_000;
const credentials = () => ({ username: 'edg_test', password: 'secret' });

/** A known signal as the cloud encodes it: Ogg Opus, 20 ms packets, a page each. */
function encodedSignal(ms: number): { pcm: Buffer; ogg: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'sc-live-stream-'));
  const pcm = signalPcm(ms, 21);
  writeFileSync(join(dir, 'in.pcm'), pcm);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', '48000', '-ac', '1', '-i', join(dir, 'in.pcm'), '-c:a', 'libopus', '-b:a', '48k', '-frame_duration', '20', '-page_duration', '20000', '-f', 'ogg', join(dir, 'out.ogg')]);
  return { pcm, ogg: readFileSync(join(dir, 'out.ogg')) };
}

describe('a live stream on the box', () => {
  let server: Server | null = null;
  let stream: LiveStream | null = null;
  afterEach(async () => {
    stream?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r) ?? r(null));
  });

  /** Serves `ogg` like the cloud's stream route: the bytes from the Range asked, then `after` decides (keep open, or cut). */
  async function serve(ogg: Buffer, plan: { cutAt?: number; keepOpen: boolean }) {
    const requests: Array<{ auth: string | undefined; range: string | undefined }> = [];
    server = createServer((req, res) => {
      requests.push({ auth: req.headers.authorization, range: req.headers.range });
      const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(from ? 206 : 200, { 'content-type': 'audio/ogg' });
      if (plan.cutAt !== undefined && requests.length === 1) {
        res.write(ogg.subarray(0, plan.cutAt));
        setTimeout(() => req.socket.destroy(), 50); // the link drops mid-stream
        return;
      }
      res.write(ogg.subarray(from));
      if (!plan.keepOpen) res.end();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/stream`, requests };
  }

  it('joins late: decodes from byte 0 at once, keeps only what is not yet past, at its exact stream position', async () => {
    const { pcm, ogg } = encodedSignal(4000);
    const { url, requests } = await serve(ogg, { keepOpen: false });
    // as if the session started 2 s ago: everything before sample 2 s − 0.5 s is past
    const floor = 1.5 * RATE;
    stream = new LiveStream({ url, credentials, floor: () => floor, lossMs: 4000, onLost: () => {} });
    expect(await stream.ready(5000)).toBe(true);
    await waitFor(() => stream!.ended, 'the whole stream decoded');
    expect(requests[0]!.auth).toBe(`Basic ${Buffer.from('edg_test:secret').toString('base64')}`);
    // what is past was let go (silence), the rest is the signal at its own position
    expect(stream.read(RATE, 480)!.equals(Buffer.alloc(960))).toBe(true);
    const heard = stream.read(2 * RATE, RATE)!;
    const match = locate(heard, pcm.subarray(2 * RATE * 2 + 9600, 3 * RATE * 2 - 9600));
    expect(match.score).toBeGreaterThan(0.9);
    expect(match.offsetSamples).toBe(4800); // 100 ms into the second read, as cut from the reference
    expect(stream.read(4 * RATE + 10_000, 480)).toBeNull(); // past the end of an ended stream
  });

  it('resumes after a dropped link from the next byte (Range), without a gap in the stream positions', async () => {
    const { pcm, ogg } = encodedSignal(2000);
    const cutAt = Math.floor(ogg.length / 2);
    const { url, requests } = await serve(ogg, { cutAt, keepOpen: false });
    stream = new LiveStream({ url, credentials, floor: () => 0, lossMs: 4000, onLost: () => {} });
    await waitFor(() => stream!.ended, 'the stream decoded across the cut');
    expect(requests.length).toBe(2);
    expect(requests[1]!.range).toBe(`bytes=${cutAt}-`);
    expect(stream.receivedBytes).toBe(ogg.length);
    const all = stream.read(0, stream.decodedSamples)!;
    const match = locate(all, pcm);
    expect(match.offsetSamples).toBe(0);
    expect(match.score).toBeGreaterThan(0.95);
  });

  it('is lost when the cloud sends nothing for lossMs, however the connection looks', async () => {
    const { ogg } = encodedSignal(500);
    const { url } = await serve(ogg, { keepOpen: true });
    let lost: string | null = null;
    const t0 = Date.now();
    stream = new LiveStream({ url, credentials, floor: () => 0, lossMs: 800, onLost: (reason) => (lost = reason) });
    expect(await stream.ready(5000)).toBe(true);
    await waitFor(() => lost, 'lost');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    expect(lost).toContain('no audio from the cloud');
    await sleep(50);
    expect(stream.read(0, 480)).toBeNull(); // closed: nothing more to play
  });

  it('fails at once when the cloud refuses the box', async () => {
    server = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"forbidden","message":"not for this box"}}');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    stream = new LiveStream({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/s`, credentials, floor: () => 0, lossMs: 4000, onLost: () => {} });
    expect(await stream.ready(3000)).toBe(false);
    expect(stream.error).toContain('HTTP 403');
  });
});
