import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decodeFrames, ffmpegArgs, FrameSourceError, maskCredentials, probeVideo, StreamStalledError, type DecodeOptions } from './frames.js';
import type { Frame } from './frame.js';
import { decodeImage } from './image.js';
import { CLIP, CLIP_HEIGHT, CLIP_WIDTH, FRAME_10S } from './testing/media.js';

const BGR: DecodeOptions = { width: CLIP_WIDTH, height: CLIP_HEIGHT, fps: 10, pixelFormat: 'bgr24' };

async function failureOf(frames: AsyncIterable<Frame>): Promise<unknown> {
  try {
    for await (const frame of frames) void frame;
  } catch (err) {
    return err;
  }
  return undefined;
}

function readCmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // gone meanwhile
  }
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe('decodeFrames on the real clip', () => {
  it('yields all 200 frames, whole, numbered and timed from the start time', async () => {
    const indices: number[] = [];
    let tenth: Buffer | undefined;
    for await (const frame of decodeFrames(CLIP, { ...BGR, startTimeMs: 1_000_000 })) {
      expect(frame.data.length).toBe(CLIP_WIDTH * CLIP_HEIGHT * 3);
      expect(frame.timeMs).toBe(1_000_000 + frame.index * 100);
      if (frame.index === 100) tenth = Buffer.from(frame.data);
      indices.push(frame.index);
    }
    expect(indices).toEqual([...Array(200).keys()]);
    // the frame at 10 s is the picture of vtest-frame-10s.jpg, up to compression
    const still = await decodeImage(FRAME_10S);
    expect(meanAbsDiff(tenth!, still.data)).toBeLessThan(6);
    expect(meanAbsDiff(tenth!, Buffer.alloc(tenth!.length, 128))).toBeGreaterThan(20);
  });

  it('keeps a frame valid one frame longer when asked to hold one', async () => {
    let previous: { frame: Frame; copy: Buffer } | undefined;
    let intact = 0;
    for await (const frame of decodeFrames(CLIP, { ...BGR, durationS: 3, heldFrames: 1, buffers: 1 })) {
      if (previous && previous.frame.data.equals(previous.copy)) intact++;
      previous = { frame, copy: Buffer.from(frame.data) };
    }
    expect(intact).toBe(29);
  });

  it('scales, converts to grey and resamples the rate', async () => {
    const frames: Frame[] = [];
    for await (const frame of decodeFrames(CLIP, { width: 128, height: 96, fps: 5, pixelFormat: 'gray' })) frames.push({ ...frame, data: Buffer.from(frame.data) });
    expect(frames).toHaveLength(100);
    expect(frames.every((f) => f.data.length === 128 * 96 && f.pixelFormat === 'gray')).toBe(true);
    expect(meanAbsDiff(frames[0]!.data, frames[99]!.data)).toBeGreaterThan(0);
  });

  it('drops the oldest frames for a consumer that falls behind, when asked to', async () => {
    const indices: number[] = [];
    for await (const frame of decodeFrames(CLIP, { ...BGR, whenBehind: 'drop', buffers: 2 })) {
      if (indices.push(frame.index) === 1) await sleep(3000); // ffmpeg decodes on meanwhile
    }
    expect(indices.length).toBeLessThan(200);
    expect(indices.at(-1)).toBe(199);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
  });

  it('stops ffmpeg when the consumer leaves early', async () => {
    const link = join(mkdtempSync(join(tmpdir(), 'sc-early-')), 'clip.mp4');
    symlinkSync(CLIP, link);
    const running = () => readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && readCmdline(pid).includes(link));
    let seen = 0;
    for await (const frame of decodeFrames(link, { ...BGR, realtime: true })) { // 20 s: ffmpeg will not end by itself
      expect(running()).toHaveLength(1);
      if (++seen === 3 || frame.index > 3) break;
    }
    expect(seen).toBe(3);
    for (let i = 0; i < 50 && running().length > 0; i++) await sleep(20); // SIGKILL is sent; the exit takes a moment
    expect(running()).toEqual([]);
  });

  it('ends quietly when aborted, even while it waits for a frame', async () => {
    const abort = new AbortController();
    const indices: number[] = [];
    for await (const frame of decodeFrames(CLIP, { ...BGR, signal: abort.signal })) {
      if (indices.push(frame.index) === 2) abort.abort(); // frames already decoded are not delivered either
    }
    expect(indices).toEqual([0, 1]);
    const none: number[] = [];
    for await (const frame of decodeFrames(CLIP, { ...BGR, signal: abort.signal })) none.push(frame.index);
    expect(none).toEqual([]);
    // a FIFO nobody writes: no frame ever comes, the abort ends the wait long before the 10 s timeout
    const fifo = join(mkdtempSync(join(tmpdir(), 'sc-fifo-')), 'camera');
    execFileSync('mkfifo', [fifo]);
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 300);
    await expect(failureOf(decodeFrames(fifo, { ...BGR, signal: waiting.signal }))).resolves.toBeUndefined();
  });
});

describe('decodeFrames failures', () => {
  it('reports a refused RTSP connection with what ffmpeg said', async () => {
    const err = await failureOf(decodeFrames('rtsp://127.0.0.1:1/x', BGR));
    expect(err).toBeInstanceOf(FrameSourceError);
    expect(err).not.toBeInstanceOf(StreamStalledError);
    expect((err as Error).message).toContain('rtsp://127.0.0.1:1/x');
    expect((err as Error).message).toMatch(/refused/i);
    expect((err as FrameSourceError).stderr.length).toBeGreaterThan(0);
  });

  it('masks the password of a camera URL in errors', async () => {
    const err = (await failureOf(decodeFrames('rtsp://admin:s3cret@127.0.0.1:1/x', BGR))) as FrameSourceError;
    expect(err).toBeInstanceOf(FrameSourceError);
    expect(err.message).toContain('rtsp://admin:***@127.0.0.1:1/x');
    expect(JSON.stringify([err.message, err.source, err.stderr])).not.toContain('s3cret');
  });

  it('reports a missing file', async () => {
    const err = await failureOf(decodeFrames('/nonexistent/clip.mp4', BGR));
    expect(err).toBeInstanceOf(FrameSourceError);
    expect((err as Error).message).toMatch(/\/nonexistent\/clip\.mp4.*No such file/);
  });

  it('times out on a FIFO that nobody writes', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'sc-fifo-')), 'camera');
    execFileSync('mkfifo', [fifo]);
    const err = await failureOf(decodeFrames(fifo, { ...BGR, timeoutMs: 1000 }));
    expect(err).toBeInstanceOf(StreamStalledError);
    expect((err as Error).message).toBe(`no video from ${fifo} for 1 s`);
  });

  it('times out on a server that accepts and never sends', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const err = await failureOf(decodeFrames(`tcp://127.0.0.1:${port}`, { ...BGR, timeoutMs: 1500 }));
      expect(err).toBeInstanceOf(StreamStalledError);
      expect((err as Error).message).toContain(`no video from tcp://127.0.0.1:${port} for 1.5 s`);
      expect(sockets.length).toBe(1);
    } finally {
      sockets.forEach((s) => s.destroy());
      server.close();
    }
  });

  it('refuses a nonsensical size', async () => {
    await expect(failureOf(decodeFrames(CLIP, { ...BGR, width: 0 }))).resolves.toBeInstanceOf(RangeError);
  });
});

describe('ffmpeg command line', () => {
  it('asks RTSP over TCP, realtime reading, looping and a duration only when wanted', () => {
    const file = ffmpegArgs('clip.mp4', BGR).join(' ');
    expect(file).toBe('-hide_banner -nostdin -loglevel error -i clip.mp4 -an -sn -dn -vf fps=10,scale=768:576 -pix_fmt bgr24 -f rawvideo pipe:1');
    const live = ffmpegArgs('rtsp://cam/1', { ...BGR, pixelFormat: 'gray', realtime: true, loop: true, durationS: 30 }).join(' ');
    expect(live).toBe('-hide_banner -nostdin -loglevel error -rtsp_transport tcp -re -stream_loop -1 -i rtsp://cam/1 -an -sn -dn -t 30 -vf fps=10,scale=768:576 -pix_fmt gray -f rawvideo pipe:1');
  });

  it('masks passwords but not plain URLs', () => {
    expect(maskCredentials('x rtsp://u:p@h/s and http://h:80/a')).toBe('x rtsp://u:***@h/s and http://h:80/a');
  });
});

describe('probeVideo', () => {
  it('reads size and rate of the clip', async () => {
    await expect(probeVideo(CLIP)).resolves.toEqual({ width: 768, height: 576, fps: 10, aspect: 768 / 576 });
  });

  it('reads the shown aspect of a picture with non-square pixels (a 704x576 encoder showing 16:9)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sc-sar-')), 'sar.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=704x576:rate=5:duration=1', '-vf', 'setsar=16/11', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file]);
    const video = await probeVideo(file);
    expect(video).toMatchObject({ width: 704, height: 576 });
    expect(video.aspect).toBeCloseTo((704 / 576) * (16 / 11), 3);
  });

  it('stops probing when asked', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(probeVideo(CLIP, { signal: abort.signal })).rejects.toThrow(FrameSourceError);
  });

  it('reports what is not a video', async () => {
    await expect(probeVideo('/nonexistent.mp4')).rejects.toThrow(FrameSourceError);
    await expect(probeVideo('/nonexistent.mp4')).rejects.toThrow(/nonexistent\.mp4/);
  });
});
