import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMUNE_TIME_ZONE, liveOccurrenceId } from '@smart-commune/shared';
import type { EdgeDaemon } from '@smart-commune/edge';
import { insertBulletin, toneAsset } from '../../../cloud/src/radio/testing/radio-test-kit.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { patchEdgeConfig, provisionTestEdge, startTestEdge } from '../../../test-support/edge.js';
import { measureHeard, signalPcm } from '../../../test-support/live-audio.js';
import { sleep, waitFor } from '../../../test-support/wait.js';
import { startDelayProxy, type DelayProxy } from '../network/delay-proxy.js';
import { startSimSpeaker, type SimSpeaker } from '../speakers/index.js';

/**
 * The live path end to end with real parts: the cloud's clock and Opus encoder, its HTTP stream,
 * three edge daemons with their players and simulated RTP loudspeakers. What each loudspeaker
 * received is cross-correlated with what was said.
 */

const HAMLETS = ['ap-1', 'ap-2', 'ap-3'] as const;
type Hamlet = (typeof HAMLETS)[number];
const localTime = (ms: number) => DateTime.fromMillis(ms, { zone: COMMUNE_TIME_ZONE }).toFormat("yyyy-MM-dd'T'HH:mm:ss");

/** Writes PCM in real time, 20 ms at a time, as the operator's microphone would. */
async function speak(write: (pcm: Buffer) => void, pcm: Buffer): Promise<number> {
  const chunk = 1920;
  const t0 = performance.now();
  const saidAt = Date.now();
  for (let i = 0, k = 0; i < pcm.length; i += chunk, k++) {
    write(pcm.subarray(i, i + chunk));
    const wait = t0 + (k + 1) * 20 - performance.now();
    if (wait > 0) await sleep(wait);
  }
  return saidAt;
}

describe('live voice to the hamlets, in step', () => {
  let test: TestCloud;
  const boxes = {} as Record<Hamlet, { edgeId: string; daemon: EdgeDaemon; speaker: SimSpeaker }>;
  /** Ấp 3's box reaches the cloud's HTTP (the live stream) over a slow link the test can cut. */
  let ap3Link: DelayProxy;

  beforeAll(async () => {
    test = await startTestCloud({ SC_LIVE_PLAYOUT_MS: 1000, SC_LIVE_JITTER_MS: 150 });
    ap3Link = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: Number(new URL(test.cloud.httpUrl).port), minDelayMs: 50, maxDelayMs: 300 });
    for (const hamlet of HAMLETS) {
      const edge = await provisionTestEdge(test, hamlet);
      if (hamlet === 'ap-3') patchEdgeConfig(edge.dataDir, { cloudUrl: `http://127.0.0.1:${ap3Link.port}` });
      const speaker = await startSimSpeaker({});
      const daemon = await startTestEdge(edge.dataDir);
      boxes[hamlet] = { edgeId: edge.edgeId, daemon, speaker };
    }
    for (const hamlet of HAMLETS) {
      const { edgeId, speaker } = boxes[hamlet];
      await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edgeId}`)).body.online, `${hamlet} online`);
      const config = await test.api('PUT', `/api/v1/edges/${edgeId}/config`, {
        telemetryIntervalS: 10,
        radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
      });
      expect(config.status).toBe(200);
      await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edgeId}/config`)).body.reported?.version === config.body.version, `${hamlet} speakers configured`);
    }
  }, 90_000);

  afterAll(async () => {
    for (const hamlet of HAMLETS) {
      await boxes[hamlet]?.daemon.stop();
      await boxes[hamlet]?.speaker.close();
    }
    await ap3Link?.close();
    await test?.stop();
  });

  const heardItems = (hamlet: Hamlet) => boxes[hamlet].speaker.status().items.filter((i) => i.firstSampleAt !== null);
  const playback = async (edgeId: string, occurrenceId: string) => {
    const res = await test.api('GET', `/api/v1/playback?edge=${edgeId}`);
    return (res.body.items as { occurrenceId: string; state: string; reason: string | null; actualStartAt: number | null; zones: string[] | null }[]).filter((r) => r.occurrenceId === occurrenceId);
  };

  it("plays the operator's words on the targeted hamlets only, the same audio starting together, with proof of play per hamlet", async () => {
    for (const h of HAMLETS) boxes[h].speaker.clearItems();
    const started = await test.api('POST', '/api/v1/radio/live', { title: 'Thông báo khẩn của UBND xã', priority: 'priority', targets: { hamlets: ['ap-1', 'ap-2'] } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const session = started.body;
    const input = test.cloud.radio.live.inputOf(session.id)!;
    await sleep(200);
    const said = signalPcm(3000, 11);
    const saidAt = await speak((pcm) => input.write(pcm), said);
    await sleep(300);
    const stopped = await test.api('POST', `/api/v1/radio/live/${session.id}/stop`);
    expect(stopped.body.endReason).toBe('stopped');

    // the boxes play the rest of the stream (the playout latency behind), then complete
    const occurrence = liveOccurrenceId('voice', session.id);
    for (const h of ['ap-1', 'ap-2'] as const) {
      await waitFor(async () => (await playback(boxes[h].edgeId, occurrence)).some((r) => r.state === 'completed'), `${h} completed`, 20_000);
    }
    const recordings = (['ap-1', 'ap-2'] as const).map((h) => {
      const items = heardItems(h);
      expect(items, h).toHaveLength(1);
      return { name: h, ...boxes[h].speaker.recording(items[0]!.index)! };
    });
    const measure = measureHeard(recordings, said, saidAt);
    console.log(`live e2e: ${JSON.stringify(measure)}`);
    for (const b of measure.boxes) {
      expect(b.score, b.name).toBeGreaterThan(0.7);
      // mouth to loudspeaker: the jitter buffer (150 ms, minus the 20 ms frame it lands in) plus the playout latency (1000 ms)
      expect(b.delayMs, b.name).toBeGreaterThan(1080);
      expect(b.delayMs, b.name).toBeLessThan(1400); // + a producer loop slowed by a loaded machine
    }
    // the issue's target (30 ms); each speaker's timeline is its packets' earliest (arrival − position),
    // so the test process noticing a packet late (it runs the cloud and three daemons too) is not counted
    expect(measure.spreadMs).toBeLessThan(30);
    // the hamlet not chosen heard nothing and was given nothing
    expect(heardItems('ap-3')).toHaveLength(0);
    expect(await playback(boxes['ap-3'].edgeId, occurrence)).toEqual([]);

    const detail = await waitFor(async () => {
      const res = await test.api('GET', `/api/v1/radio/live/${session.id}`);
      return res.body.hamlets.length === 2 && res.body.bulletinId ? res.body : null;
    }, 'proof of play per hamlet and the archive bulletin');
    expect(detail.hamlets.map((h: { hamletCode: string; lastState: string }) => [h.hamletCode, h.lastState]).sort()).toEqual([
      ['ap-1', 'completed'],
      ['ap-2', 'completed'],
    ]);
    // each box started at the epoch, or late by a busy event loop only: what it plays follows the
    // shared clock even then (the spread above), the start's lateness is its silent lead-in skipped
    for (const h of detail.hamlets) {
      expect(h.firstStartedAt).toBeGreaterThanOrEqual(session.epoch - 10);
      expect(h.firstStartedAt).toBeLessThan(session.epoch + 500);
    }
  }, 60_000);

  it("stops the hamlets cleanly with proof of play 'interrupted' when the operator's audio stops coming", async () => {
    for (const h of HAMLETS) boxes[h].speaker.clearItems();
    const { session, input } = await test.cloud.radio.live.start({ source: 'voice', title: 'Mất kết nối', priority: 'normal', targets: { hamlets: ['ap-3'] }, startedBy: null, communeCode: null, inputTimeoutMs: 1500 });
    await speak((pcm) => input.write(pcm), signalPcm(1000, 3));
    // the operator's link is gone: nothing more is written
    const ended = await waitFor(async () => ((await test.cloud.radio.live.get(session.id)).status === 'ended' ? test.cloud.radio.live.get(session.id) : null), 'session interrupted');
    expect(ended.endReason).toBe('interrupted');
    const occurrence = liveOccurrenceId('voice', session.id);
    const rows = await waitFor(async () => {
      const r = await playback(boxes['ap-3'].edgeId, occurrence);
      return r.some((x) => x.state === 'interrupted') ? r : null;
    }, 'interrupted on the box', 20_000);
    expect(rows.map((r) => r.state).sort()).toEqual(['interrupted', 'started']);
    expect(rows.find((r) => r.state === 'interrupted')!.reason).toContain('interrupted');
    expect(heardItems('ap-3').length).toBeGreaterThan(0);
  }, 60_000);

  it("stops a box whose link to the cloud is lost mid-session, with proof of play 'interrupted', while the session goes on", async () => {
    for (const h of HAMLETS) boxes[h].speaker.clearItems();
    const { session, input } = await test.cloud.radio.live.start({ source: 'voice', title: 'Đường truyền yếu', priority: 'normal', targets: { hamlets: ['ap-3'] }, startedBy: null, communeCode: null });
    const occurrence = liveOccurrenceId('voice', session.id);
    const edgeId = boxes['ap-3'].edgeId;
    const speaking = speak((pcm) => input.write(pcm), signalPcm(9000, 13));
    await waitFor(async () => (await playback(edgeId, occurrence)).some((r) => r.state === 'started'), 'started over the slow link', 15_000);
    ap3Link.cut();
    const cutAt = Date.now();
    const rows = await waitFor(async () => {
      const r = await playback(edgeId, occurrence);
      return r.some((x) => x.state === 'interrupted') ? r : null;
    }, 'interrupted after the loss', 20_000);
    const interrupted = rows.find((r) => r.state === 'interrupted')!;
    expect(interrupted.reason).toContain('live stream lost');
    expect((await test.cloud.radio.live.get(session.id)).status).toBe('on_air'); // only this box lost it
    expect(Date.now() - cutAt).toBeGreaterThan(2000); // not at once: a short loss is concealed, one of 4 s without a byte stops
    ap3Link.restore();
    await speaking;
    await test.cloud.radio.live.stop(session.id, null);
  }, 60_000);

  it("plays on the chosen speaker zone only, and the box's other zone stays silent", async () => {
    const market = await startSimSpeaker({});
    try {
      const { edgeId, speaker } = boxes['ap-1'];
      const config = await test.api('PUT', `/api/v1/edges/${edgeId}/config`, {
        telemetryIntervalS: 10,
        radio: {
          speakers: [
            { zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl },
            { zone: 'cho', driver: 'sim', target: market.target, volume: 100, statusUrl: market.statusUrl },
          ],
        },
      });
      await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edgeId}/config`)).body.reported?.version === config.body.version, 'two zones configured');
      speaker.clearItems();
      const started = await test.api('POST', '/api/v1/radio/live', { title: 'Chợ ấp 1', priority: 'normal', targets: { hamlets: ['ap-1'] }, zones: ['cho'] });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const input = test.cloud.radio.live.inputOf(started.body.id)!;
      await speak((pcm) => input.write(pcm), signalPcm(1000, 9));
      await test.cloud.radio.live.stop(started.body.id, null);
      const rows = await waitFor(async () => {
        const r = await playback(edgeId, liveOccurrenceId('voice', started.body.id));
        return r.some((x) => x.state === 'completed') ? r : null;
      }, 'completed on the market zone', 20_000);
      expect(rows.find((r) => r.state === 'completed')).toMatchObject({ zones: ['cho'] });
      // the market zone heard it (a stall of the loaded test machine may split it into two talkspurts)
      expect(market.status().items.filter((i) => i.firstSampleAt !== null).length).toBeGreaterThanOrEqual(1);
      expect(heardItems('ap-1')).toHaveLength(0);
    } finally {
      await market.close();
    }
  }, 60_000);

  it('an emergency live session cuts into a playing bulletin, which resumes afterwards', async () => {
    for (const h of HAMLETS) boxes[h].speaker.clearItems();
    const tone = toneAsset(12);
    await test.cloud.radio.bulletins.assets.put(tone.file, 'audio/ogg', tone.asset.durationMs);
    const bulletin = await insertBulletin(test.cloud.query, { title: 'Bản tin nông nghiệp', seconds: 12 });
    const startAt = Math.ceil((Date.now() + 4000) / 1000) * 1000;
    const schedule = await test.api('POST', '/api/v1/schedules', { title: 'Bản tin sáng', source: { kind: 'bulletin', bulletinId: bulletin.id }, startsLocal: localTime(startAt), targets: { hamlets: ['ap-2'] } });
    expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
    const edgeId = boxes['ap-2'].edgeId;
    const occurrences = (await waitFor(async () => {
      const res = await test.api('GET', `/api/v1/playback?edge=${edgeId}`);
      const started = (res.body.items as { occurrenceId: string; state: string; scheduleId: string }[]).find((r) => r.scheduleId === schedule.body.id && r.state === 'started');
      return started ?? null;
    }, 'bulletin started', 20_000));
    await sleep(1000);

    const { session, input } = await test.cloud.radio.live.start({ source: 'voice', title: 'Báo động lũ', priority: 'emergency', targets: { hamlets: ['ap-2'] }, startedBy: null, communeCode: null });
    await speak((pcm) => input.write(pcm), signalPcm(1500, 5));
    await test.cloud.radio.live.stop(session.id, null);

    const live = liveOccurrenceId('voice', session.id);
    await waitFor(async () => (await playback(edgeId, live)).some((r) => r.state === 'completed'), 'live completed', 20_000);
    const bulletinRows = await waitFor(async () => {
      const rows = await playback(edgeId, occurrences.occurrenceId);
      return rows.some((r) => r.state === 'completed') ? rows : null;
    }, 'bulletin resumed and completed', 30_000);
    const states = bulletinRows.map((r) => r.state);
    expect(states).toEqual(expect.arrayContaining(['started', 'interrupted', 'resumed', 'completed']));
    const liveRows = await playback(edgeId, live);
    const liveStart = liveRows.find((r) => r.state === 'started')!.actualStartAt!;
    const interruptedRow = bulletinRows.find((r) => r.state === 'interrupted')!;
    expect(interruptedRow.reason).toContain('emergency');
    const resumedAt = bulletinRows.find((r) => r.state === 'resumed')!.actualStartAt!;
    expect(resumedAt).toBeGreaterThan(liveStart);
    // the emergency cut in at its epoch: on time, not after the bulletin (12 s)
    expect(liveStart).toBeGreaterThanOrEqual(session.epoch - 10);
    expect(liveStart).toBeLessThan(session.epoch + 500);
    expect(boxes['ap-2'].speaker.status().overlaps).toBe(0);
  }, 90_000);
});
