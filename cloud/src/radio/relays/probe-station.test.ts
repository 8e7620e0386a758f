import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test-support/ports.js';
import { startHls, startIcecast, startWebPage, type HlsStation, type IcecastServer } from '../testing/station-servers.js';
import { probeStation } from './probe-station.js';

describe('checking a station URL with ffprobe', () => {
  let icecast: IcecastServer;
  let hls: HlsStation;
  beforeAll(async () => {
    icecast = await startIcecast();
    [hls] = await Promise.all([startHls(500), icecast.feed('vov.mp3', 440), icecast.feed('aac', 440, 'aac')]);
  });
  afterAll(async () => {
    await hls?.stop();
    await icecast?.stop();
  });

  it('says an Icecast MP3 stream, an AAC stream and an HLS playlist are audio, and what they are', async () => {
    const mp3 = await probeStation(icecast.url('vov.mp3'), 5000);
    expect(mp3).toMatchObject({ ok: true, kind: 'http', codec: 'mp3', sampleRate: 44_100, channels: 1 });
    expect(mp3.message).toBe('Luồng âm thanh phát được: HTTP/Icecast, MP3, 44100 Hz, đơn kênh, 64 kbit/s.');
    expect(await probeStation(icecast.url('aac'), 5000)).toMatchObject({ ok: true, kind: 'http', codec: 'aac' });
    const playlist = await probeStation(hls.url, 5000);
    expect(playlist).toMatchObject({ ok: true, kind: 'hls', codec: 'aac' });
    expect(playlist.message).toMatch(/^Luồng âm thanh phát được: HLS, AAC/);
  });

  it('says a web page is not audio, in Vietnamese', async () => {
    const page = await startWebPage();
    try {
      const result = await probeStation(page.url, 5000);
      expect(result).toMatchObject({ ok: false, reason: 'not_audio' });
      expect(result.message).toMatch(/không phải luồng âm thanh/);
      expect(result.ok === false && result.detail).toMatch(/text\/html/);
    } finally {
      await page.stop();
    }
  });

  it('says an unreachable station, a missing mount and a silent server cannot be relayed', async () => {
    const closed = await probeStation(`http://127.0.0.1:${await freePort()}/vov1.mp3`, 5000);
    expect(closed).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(closed.message).toMatch(/^Không kết nối được tới địa chỉ này \(cannot connect: ECONNREFUSED\)/);
    const missing = await probeStation(icecast.url('khong-co.mp3'), 5000);
    expect(missing).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(missing.ok === false && missing.detail).toMatch(/HTTP 404/);
    // accepts the connection, never answers
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const result = await probeStation(`http://127.0.0.1:${port}/live`, 1500);
      expect(result).toMatchObject({ ok: false, reason: 'no_answer' });
      expect(result.message).toMatch(/trong 2 giây/);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      silent.close();
    }
  });
});
