import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@smart-commune/shared/runtime';
import { sleep, waitFor } from '../../../../test-support/wait.js';
import { startHls, startIcecast, toneShare, type IcecastServer } from '../testing/station-servers.js';
import { RelayPuller, type PullerOptions } from './relay-puller.js';
import { FRAME_BYTES } from './pcm-pacer.js';

/** The live session's input as the puller sees it: frames kept with when they came. */
class Recorder {
  frames: { at: number; pcm: Buffer }[] = [];
  write(pcm: Buffer) {
    this.frames.push({ at: performance.now(), pcm });
  }
  since(at: number): Buffer {
    return Buffer.concat(this.frames.filter((f) => f.at >= at).map((f) => f.pcm));
  }
}

const logger = createLogger('relay-test', { level: 'silent' });
const options = (sink: Recorder, primaryUrl: string, fallbackUrl: string | null = null): PullerOptions => ({
  primaryUrl,
  fallbackUrl,
  switchAfterFailures: 3,
  reconnectFirstMs: 200,
  reconnectMaxMs: 1000,
  stallMs: 4000,
  healthyAfterMs: 1000,
  prebufferMs: 200,
  maxBufferMs: 30_000,
  sink,
  logger,
});

describe('relay puller against a real Icecast server', () => {
  let icecast: IcecastServer;
  beforeAll(async () => {
    icecast = await startIcecast();
  });
  afterAll(async () => {
    await icecast?.stop();
  });

  it('plays the station in real time, fills a cut with silence, reconnects when the source is back', async () => {
    const feeder = await icecast.feed('tinh.mp3', 440);
    const sink = new Recorder();
    const puller = new RelayPuller(options(sink, icecast.url('tinh.mp3')));
    const began = performance.now();
    puller.start();
    try {
      await waitFor(() => puller.state().playedMs >= 2000, 'two seconds of the station played');
      const firstPart = sink.since(began);
      expect(firstPart.length % FRAME_BYTES).toBe(0);
      expect(toneShare(firstPart.subarray(-48_000 * 2), 440)).toBeGreaterThan(0.8);
      // real time: the frames came at the pace of the clock, not in the station's burst
      const elapsed = performance.now() - began;
      expect(puller.state().playedMs + puller.state().silenceMs).toBeGreaterThan(elapsed - 100);
      expect(puller.state().playedMs + puller.state().silenceMs).toBeLessThan(elapsed + 100);

      await feeder.stop();
      await waitFor(() => puller.state().status === 'reconnecting', 'the relay sees the station gone');
      // what was buffered (Icecast's burst on connect) still plays out, then silence fills the cut
      await waitFor(() => puller.state().bufferedMs < 20, 'the buffer played out', 10_000);
      const silenceAtCut = puller.state().silenceMs;
      await sleep(1500);
      expect(puller.state().silenceMs - silenceAtCut).toBeGreaterThanOrEqual(1400);
      expect(puller.state().lastError).toBeTruthy();

      const back = await icecast.feed('tinh.mp3', 440);
      const playedBefore = puller.state().playedMs;
      await waitFor(() => puller.state().status === 'playing' && puller.state().playedMs - playedBefore >= 1000, 'the relay plays the station again');
      const result = await puller.stop();
      await back.stop();
      const total = performance.now() - began;
      expect(result.reconnects).toBeGreaterThanOrEqual(1);
      expect(result.playedMs + result.silenceMs).toBeGreaterThan(total - 150);
      expect(result.playedMs + result.silenceMs).toBeLessThan(total + 150);
      expect(result.urls).toEqual([{ url: icecast.url('tinh.mp3'), role: 'primary', playedMs: result.playedMs }]);
      expect(toneShare(sink.since(performance.now() - 900), 440)).toBeGreaterThan(0.8);
    } finally {
      await puller.stop();
    }
  });

  it('takes the fallback URL when the primary fails three times in a row', async () => {
    const feeder = await icecast.feed('du-phong.mp3', 880);
    const sink = new Recorder();
    // the primary mount has no source: Icecast answers 404
    const puller = new RelayPuller(options(sink, icecast.url('vov1.mp3'), icecast.url('du-phong.mp3')));
    puller.start();
    try {
      await waitFor(() => puller.state().onFallback && puller.state().playedMs >= 1000, 'the fallback plays');
      expect(puller.state().url).toBe(icecast.url('du-phong.mp3'));
      expect(puller.state().reconnects).toBeGreaterThanOrEqual(3);
      expect(puller.state().lastError).toMatch(/404/);
      const result = await puller.stop();
      expect(result.urls).toEqual([{ url: icecast.url('du-phong.mp3'), role: 'fallback', playedMs: result.playedMs }]);
      expect(toneShare(Buffer.concat(sink.frames.slice(-40).map((f) => f.pcm)), 880)).toBeGreaterThan(0.8);
    } finally {
      await puller.stop();
      await feeder.stop();
    }
  });

  it('plays an AAC (ADTS) stream', async () => {
    const feeder = await icecast.feed('aac', 550, 'aac');
    const sink = new Recorder();
    const puller = new RelayPuller(options(sink, icecast.url('aac')));
    puller.start();
    try {
      await waitFor(() => puller.state().playedMs >= 1000, 'the AAC station plays');
      expect(toneShare(Buffer.concat(sink.frames.slice(-40).map((f) => f.pcm)), 550)).toBeGreaterThan(0.8);
    } finally {
      await puller.stop();
      await feeder.stop();
    }
  });
});

describe('relay puller against an HLS stream served locally', () => {
  it('plays the playlist, reconnects after the station was cut and restored', async () => {
    const hls = await startHls(660);
    const sink = new Recorder();
    const puller = new RelayPuller({ ...options(sink, hls.url), prebufferMs: 500 });
    puller.start();
    try {
      await waitFor(() => puller.state().playedMs >= 2000, 'two seconds of HLS played');
      expect(toneShare(Buffer.concat(sink.frames.slice(-50).map((f) => f.pcm)), 660)).toBeGreaterThan(0.8);
      await hls.cut();
      await waitFor(() => puller.state().status === 'reconnecting', 'the relay sees the playlist gone', 20_000);
      const silence = puller.state().silenceMs;
      await hls.restore();
      const played = puller.state().playedMs;
      await waitFor(() => puller.state().status === 'playing' && puller.state().playedMs - played >= 1000, 'HLS plays again', 20_000);
      expect(puller.state().silenceMs).toBeGreaterThan(silence);
      expect(puller.state().reconnects).toBeGreaterThanOrEqual(1);
      expect(toneShare(Buffer.concat(sink.frames.slice(-50).map((f) => f.pcm)), 660)).toBeGreaterThan(0.8);
    } finally {
      await puller.stop();
      await hls.stop();
    }
  });
});
