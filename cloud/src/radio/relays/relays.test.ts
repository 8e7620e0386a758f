import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectAsync } from 'mqtt';
import { COMMUNE_TIME_ZONE, newId, topics, type PlaybackEvent } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { decodeToPcm } from '../../../../test-support/live-audio.js';
import { freePort } from '../../../../test-support/ports.js';
import { sleep, waitFor } from '../../../../test-support/wait.js';
import { formatLocalMinute, instantToLocal } from '../schedules/local-time.js';
import { startIcecast, startWebPage, toneShare, type IcecastServer } from '../testing/station-servers.js';

const basic = (edgeId: string, password: string) => `Basic ${Buffer.from(`${edgeId}:${password}`).toString('base64')}`;

/** Reads a live session's Ogg Opus stream as a box does, until it ends. */
function readStream(url: string, auth: string): { done: Promise<Buffer> } {
  return {
    done: (async () => {
      const res = await fetch(url, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      const chunks: Buffer[] = [];
      for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
      return Buffer.concat(chunks);
    })(),
  };
}

describe('station relays in the cloud', () => {
  let icecast: IcecastServer;
  let test: TestCloud;
  let ap1: { edgeId: string; password: string };
  let ap2: { edgeId: string; password: string };

  beforeAll(async () => {
    icecast = await startIcecast();
  });
  afterAll(async () => {
    await icecast?.stop();
  });
  beforeEach(async () => {
    test = await startTestCloud({ SC_LIVE_PLAYOUT_MS: 800, SC_RELAY_PLAYOUT_MS: 1500, SC_RELAY_RECONNECT_FIRST_S: 0.2, SC_RELAY_RECONNECT_MAX_S: 1, SC_RELAY_STALL_S: 4, SC_RELAY_PREBUFFER_MS: 200 });
    ap1 = await claimTestEdge(test, 'ap-1');
    ap2 = await claimTestEdge(test, 'ap-2');
  });
  afterEach(async () => {
    await test.stop();
  });

  it('keeps a list of stations, refuses bad URLs, and checks a URL before it is saved', async () => {
    for (const url of ['ftp://vov.vn/live.mp3', 'file:///etc/passwd', 'vov1', `http://x/${'a'.repeat(2000)}`]) {
      const refused = await test.api('POST', '/api/v1/stations', { name: 'VOV1', url });
      expect(refused.status, url).toBe(400);
    }
    expect((await test.api('POST', '/api/v1/stations', { name: '', url: icecast.url('vov1.mp3') })).status).toBe(400);
    const created = await test.api('POST', '/api/v1/stations', { name: 'VOV1', url: icecast.url('vov1.mp3'), fallbackUrl: icecast.url('vov1-du-phong.mp3') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'VOV1', url: icecast.url('vov1.mp3'), fallbackUrl: icecast.url('vov1-du-phong.mp3') });
    expect((await test.api('POST', '/api/v1/stations', { name: 'vov1', url: icecast.url('x.mp3') })).status).toBe(409);
    const renamed = await test.api('PATCH', `/api/v1/stations/${created.body.id}`, { name: 'VOV1 Thời sự', fallbackUrl: null });
    expect(renamed.body).toMatchObject({ name: 'VOV1 Thời sự', fallbackUrl: null });

    // the check says in Vietnamese what is there
    const feeder = await icecast.feed('vov1.mp3', 440);
    try {
      const ok = await test.api('POST', `/api/v1/stations/${created.body.id}/check`);
      expect(ok.body.primary).toMatchObject({ ok: true, codec: 'mp3', kind: 'http' });
      expect(ok.body.fallback).toBeNull();
    } finally {
      await feeder.stop();
    }
    const page = await startWebPage();
    try {
      const notAudio = await test.api('POST', '/api/v1/stations/check', { url: page.url });
      expect(notAudio.body).toMatchObject({ ok: false, reason: 'not_audio' });
      expect(notAudio.body.message).toMatch(/không phải luồng âm thanh/);
    } finally {
      await page.stop();
    }

    // a viewer may not touch stations; an operator may
    await test.api('POST', '/api/v1/users', { username: 'xem', password: 'mat-khau-xem-1234', role: 'viewer', mustChangePassword: false });
    const viewer = await test.login('xem', 'mat-khau-xem-1234');
    expect((await test.api('GET', '/api/v1/stations', undefined, viewer)).status).toBe(403);
    expect((await test.api('POST', '/api/v1/relays', { stationId: created.body.id, targets: { all: true } }, viewer)).status).toBe(403);

    expect((await test.api('DELETE', `/api/v1/stations/${created.body.id}`)).status).toBe(204);
    expect((await test.api('GET', `/api/v1/stations/${created.body.id}`)).status).toBe(404);
  });

  it('relays a station now to the chosen hamlet, in the live stream, and ends it on time', async () => {
    const feeder = await icecast.feed('tinh.mp3', 440);
    try {
      const station = (await test.api('POST', '/api/v1/stations', { name: 'Đài tỉnh Hậu Giang', url: icecast.url('tinh.mp3') })).body;
      const started = await test.api('POST', '/api/v1/relays', { stationId: station.id, priority: 'priority', targets: { hamlets: ['ap-1'] }, durationS: 6 });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const relay = started.body;
      expect(relay).toMatchObject({ stationId: station.id, title: 'Đài tỉnh Hậu Giang', priority: 'priority', hamletCodes: ['ap-1'], edges: [ap1.edgeId], endedAt: null });
      const session = await test.cloud.radio.live.get(relay.sessionId);
      expect(session).toMatchObject({ source: 'relay', status: 'on_air', origin: station.id, endsAt: relay.endsAt });
      // a relay's own playout latency (SC_RELAY_PLAYOUT_MS), not the voice's (SC_LIVE_PLAYOUT_MS)
      expect(session.epoch - session.startedAt).toBe(1500);

      // only the targeted box may read it
      const other = await fetch(`${test.cloud.httpUrl}${session.streamPath}`, { headers: { authorization: basic(ap2.edgeId, ap2.password) } });
      expect(other.status).toBe(403);
      const stream = readStream(`${test.cloud.httpUrl}${session.streamPath}`, basic(ap1.edgeId, ap1.password));

      const onAir = await waitFor(async () => {
        const r = (await test.api('GET', `/api/v1/relays/${relay.id}`)).body;
        return r.live?.status === 'playing' && r.live.playedMs > 1000 ? r : null;
      }, 'the relay plays');
      expect(onAir.live).toMatchObject({ url: icecast.url('tinh.mp3'), onFallback: false });
      expect(onAir.hamlets).toEqual([{ hamletCode: 'ap-1', firstStartedAt: null, lastState: null }]);

      // the box of ap-1 reports it started the relay (proof of play of occurrence relay:{sessionId}): the relay shows ap-1 playing
      const box = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: ap1.edgeId, username: ap1.edgeId, password: ap1.password, reconnectPeriod: 0 });
      const event: PlaybackEvent = { occurrenceId: `relay:${relay.sessionId}`, scheduleId: relay.sessionId, bulletinId: null, state: 'started', plannedStartAt: session.epoch, actualStartAt: session.epoch + 3, durationMs: null, reason: null, zones: null };
      await box.publishAsync(topics.event(ap1.edgeId, 'playback'), JSON.stringify({ eventId: newId('evt', 16), ts: Date.now(), body: event }), { qos: 1 });
      await box.endAsync();
      const heard = await waitFor(async () => {
        const r = (await test.api('GET', `/api/v1/relays/${relay.id}`)).body;
        return r.hamlets[0]?.lastState === 'started' ? r : null;
      }, 'the proof of play of ap-1');
      expect(heard.hamlets).toEqual([{ hamletCode: 'ap-1', firstStartedAt: session.epoch + 3, lastState: 'started' }]);

      const ended = await waitFor(async () => {
        const r = (await test.api('GET', `/api/v1/relays/${relay.id}`)).body;
        return r.endedAt ? r : null;
      }, 'the relay window ends', 15_000);
      expect(ended.endReason).toBe('ended');
      expect(Math.abs(ended.endedAt - ended.endsAt)).toBeLessThan(300);
      expect(ended.playedMs + ended.silenceMs).toBeGreaterThan(6000 - 300);
      expect(ended.playedMs + ended.silenceMs).toBeLessThan(6000 + 300);
      // on air once the station's first sound was in: the window is the station's, not ffmpeg's start-up silence
      expect(ended.playedMs).toBeGreaterThan(5000);
      expect(ended.urls).toEqual([{ url: icecast.url('tinh.mp3'), role: 'primary', playedMs: ended.playedMs }]);
      expect(ended.live).toBeNull();
      expect(await test.cloud.radio.live.get(relay.sessionId)).toMatchObject({ status: 'ended', endReason: 'stopped' });

      // what the box received is the station's tone
      const pcm = await decodeToPcm(await stream.done, 'ogg');
      expect(pcm.length / 96).toBeGreaterThan(5000);
      expect(toneShare(pcm.subarray(pcm.length / 2 - 96_000, pcm.length / 2 + 96_000), 440)).toBeGreaterThan(0.7);

      const metrics = (await test.api('GET', '/metrics')).body as string;
      expect(metrics).toMatch(/sc_relays_active 0/);
      expect(metrics).toMatch(/sc_relay_audio_seconds_total\{kind="played"\} [4-6]\./);
    } finally {
      await feeder.stop();
    }
  });

  it('refuses to relay now a station that cannot be reached, and nothing goes on air', async () => {
    const closed = (await test.api('POST', '/api/v1/stations', { name: 'Mất kết nối', url: `http://127.0.0.1:${await freePort()}/live.mp3` })).body;
    const refused = await test.api('POST', '/api/v1/relays', { stationId: closed.id, targets: { all: true } });
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('station_unreachable');
    expect(refused.body.error.message).toMatch(/Mất kết nối.*cannot connect: ECONNREFUSED/);
    const page = await startWebPage();
    try {
      const web = (await test.api('POST', '/api/v1/stations', { name: 'Trang web', url: page.url })).body;
      const notAudio = await test.api('POST', '/api/v1/relays', { stationId: web.id, targets: { all: true } });
      expect(notAudio.status).toBe(502);
      expect(notAudio.body.error.message).toMatch(/web page/);
    } finally {
      await page.stop();
    }
    expect(await test.cloud.radio.live.list()).toEqual([]);
    expect((await test.api('GET', '/api/v1/relays')).body.relays).toEqual([]);
    expect((await test.api('POST', '/api/v1/relays', { stationId: 'stn_khongcoooooo', targets: { all: true } })).status).toBe(404);
    expect((await test.api('POST', '/api/v1/relays', { stationId: closed.id, targets: { hamlets: ['ap-99'] } })).status).toBe(400);
  });

  it('opens a scheduled window on time, fills a cut with silence, reconnects, and ends the window on time', async () => {
    let feeder = await icecast.feed('lich.mp3', 660);
    try {
      const station = (await test.api('POST', '/api/v1/stations', { name: 'VOV2', url: icecast.url('lich.mp3') })).body;
      const unknown = await test.api('POST', '/api/v1/schedules', { title: 'x', source: { kind: 'station', stationId: 'stn_khongcoooooo', durationS: 8 }, startsLocal: formatLocalMinute(instantToLocal(Date.now() + 60_000, COMMUNE_TIME_ZONE)), targets: { all: true } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/unknown station/);

      const startAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
      const created = await test.api('POST', '/api/v1/schedules', {
        title: 'Tiếp sóng VOV2 buổi sáng',
        source: { kind: 'station', stationId: station.id, durationS: 8 },
        startsLocal: formatLocalMinute(instantToLocal(startAt, COMMUNE_TIME_ZONE)),
        rrule: 'FREQ=DAILY',
        priority: 'normal',
        targets: { hamlets: ['ap-1', 'ap-2'] },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.source).toEqual({ kind: 'station', stationId: station.id });
      expect(created.body.nextOccurrences[0]).toMatchObject({ startAt, endAt: startAt + 8000 });
      // the boxes do not pull it themselves: it is not in their plans
      const plan = (await test.cloud.fleet.documents.get(ap1.edgeId, 'schedule'))?.body as { items: { scheduleId: string }[] } | undefined;
      expect((plan?.items ?? []).filter((i) => i.scheduleId === created.body.id)).toEqual([]);
      expect((await test.api('DELETE', `/api/v1/stations/${station.id}`)).status).toBe(409);

      const run = await waitFor(async () => (await test.api('GET', '/api/v1/relays')).body.relays.find((r: { scheduleId: string }) => r.scheduleId === created.body.id), 'the window opens', 10_000);
      expect(Math.abs(run.startedAt - startAt)).toBeLessThan(250);
      expect(run).toMatchObject({ title: 'Tiếp sóng VOV2 buổi sáng', endsAt: startAt + 8000, occurrenceId: `${created.body.id}:${startAt}` });
      expect([...run.hamletCodes].sort()).toEqual(['ap-1', 'ap-2']);
      expect(await test.cloud.radio.live.get(run.sessionId)).toMatchObject({ source: 'relay', priority: 'normal' });

      // cut the station mid-window, then restore it
      await waitFor(async () => (await test.api('GET', `/api/v1/relays/${run.id}`)).body.live?.playedMs > 1500, 'the window plays');
      await feeder.stop();
      await waitFor(async () => (await test.api('GET', `/api/v1/relays/${run.id}`)).body.live?.status === 'reconnecting', 'the relay sees the cut');
      await sleep(1000);
      feeder = await icecast.feed('lich.mp3', 660);
      await waitFor(async () => {
        const r = (await test.api('GET', `/api/v1/relays/${run.id}`)).body;
        return r.endedAt !== null || (r.live?.status === 'playing' && r.live.reconnects >= 1);
      }, 'the relay reconnects');

      const ended = await waitFor(async () => {
        const r = (await test.api('GET', `/api/v1/relays/${run.id}`)).body;
        return r.endedAt ? r : null;
      }, 'the window ends', 15_000);
      expect(ended.endReason).toBe('ended');
      expect(Math.abs(ended.endedAt - (startAt + 8000))).toBeLessThan(300);
      expect(ended.reconnects).toBeGreaterThanOrEqual(1);
      expect(ended.silenceMs).toBeGreaterThanOrEqual(900);
      expect(ended.playedMs).toBeGreaterThan(2000);
      expect(ended.playedMs + ended.silenceMs).toBeGreaterThan(8000 - 400);
      expect(ended.lastError).toBeTruthy();
      // the window is not opened twice
      await sleep(1500);
      expect((await test.api('GET', '/api/v1/relays')).body.relays.filter((r: { scheduleId: string }) => r.scheduleId === created.body.id)).toHaveLength(1);
    } finally {
      await feeder.stop();
    }
  });

  it('takes a window up again after a cloud restart during it, and a stop by an operator is final', async () => {
    const feeder = await icecast.feed('khoi-dong-lai.mp3', 440);
    try {
      const station = (await test.api('POST', '/api/v1/stations', { name: 'VOV3', url: icecast.url('khoi-dong-lai.mp3') })).body;
      const startAt = Math.ceil((Date.now() + 2000) / 1000) * 1000;
      const created = await test.api('POST', '/api/v1/schedules', {
        title: 'Tiếp sóng VOV3',
        source: { kind: 'station', stationId: station.id, durationS: 30 },
        startsLocal: formatLocalMinute(instantToLocal(startAt, COMMUNE_TIME_ZONE)),
        targets: { hamlets: ['ap-1'] },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const runsOf = async () => (await test.api('GET', '/api/v1/relays')).body.relays.filter((r: { scheduleId: string }) => r.scheduleId === created.body.id);
      await waitFor(async () => (await runsOf())[0]?.live?.playedMs > 1000, 'the window plays');

      // the cloud stops mid-window: the run ends cloud_stopped with what it played, and the next start takes the window up again
      const dataDir = test.dataDir;
      await test.stop({ keepData: true });
      test = await startTestCloud({ SC_LIVE_PLAYOUT_MS: 800, SC_RELAY_PLAYOUT_MS: 1500, SC_RELAY_RECONNECT_FIRST_S: 0.2, SC_RELAY_RECONNECT_MAX_S: 1, SC_RELAY_STALL_S: 4, SC_RELAY_PREBUFFER_MS: 200 }, dataDir);
      const [resumed, before] = await waitFor(async () => {
        const runs = await runsOf();
        return runs.length === 2 && runs[0].live ? runs : null;
      }, 'the window taken up again');
      expect(before).toMatchObject({ endReason: 'cloud_stopped', occurrenceId: `${created.body.id}:${startAt}` });
      expect(before.playedMs).toBeGreaterThan(1000);
      expect(resumed).toMatchObject({ occurrenceId: before.occurrenceId, endsAt: startAt + 30_000, endedAt: null });

      // an operator stops it: it stays stopped for the rest of the window
      const stopped = await test.api('POST', `/api/v1/relays/${resumed.id}/stop`);
      expect(stopped.body).toMatchObject({ endReason: 'stopped', live: null });
      expect(await test.cloud.radio.live.get(resumed.sessionId)).toMatchObject({ status: 'ended', endReason: 'stopped' });
      await sleep(2500);
      expect(await runsOf()).toHaveLength(2);
    } finally {
      await feeder.stop();
    }
  });
});
