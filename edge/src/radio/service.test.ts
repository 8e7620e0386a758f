import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertOccurrenceId, type PlaybackEvent } from '@smart-commune/shared';
import { startSimSpeaker, type SimSpeaker } from '../../../firmware-sim/src/speakers/sim-speaker.js';
import { decodeFile } from './decode.js';
import { trimmedPcmSha256 } from './pcm.js';
import { createEdgeRadio } from './service.js';
import { makeAudio, startAssetServer, tempDir, type AssetServer, type AudioFile } from './testing/fixtures.js';
import { credentials, skewedClock } from './testing/harness.js';

describe('createEdgeRadio (the daemon wiring)', () => {
  const data = tempDir();
  let server: AssetServer;
  let speaker: SimSpeaker;
  let clip: AudioFile;
  beforeAll(async () => {
    clip = makeAudio(data.dir, 'alert', { seconds: 1, format: 'mp3' });
    server = await startAssetServer(credentials);
    server.put(clip.asset.sha256, clip.data);
    speaker = await startSimSpeaker();
  });
  afterAll(async () => {
    await speaker.close();
    await server.close();
    data.remove();
  });

  it('plays an alert broadcast from its raw payload, answers a test tone and keeps its files in the data dir', async () => {
    const events: PlaybackEvent[] = [];
    const clock = skewedClock(0);
    const radio = createEdgeRadio({
      dataDir: data.dir,
      cloudUrl: server.url,
      credentials: () => credentials,
      clock,
      identity: { edgeId: 'edg_radio01', hamletCode: 'thon-1' },
      onPlayback: (e) => events.push(e),
    });
    try {
      await radio.configure({ speakers: [{ zone: 'loa', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }], interruptedPolicy: 'resume', cacheBytes: 10_000_000 });
      radio.applySchedule({ windowStart: Date.now(), windowEnd: Date.now() + 3600_000, items: [] });
      radio.onAlertPayload('{"not":"an alert"}'); // rejected, nothing happens
      const startAt = Date.now() + 2500;
      radio.onAlertPayload(JSON.stringify({
        action: 'start', alertId: 'alr_storm', version: 1, title: 'Bão số 3', priority: 'emergency',
        source: { kind: 'asset', asset: clip.asset }, startAt, repeatEveryMs: null, expiresAt: startAt + 600_000,
        volume: 100, targets: { all: true, hamlets: [], edges: [] },
      }));
      for (let i = 0; i < 200 && !events.some((e) => e.state === 'completed'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(events.map((e) => [e.occurrenceId, e.state])).toEqual([[alertOccurrenceId('alr_storm', 0), 'started'], [alertOccurrenceId('alr_storm', 0), 'completed']]);
      expect(events[0]!.actualStartAt!).toBeGreaterThanOrEqual(startAt);

      const tone = await radio.testTone({ zones: null, durationMs: 200, frequencyHz: 1000, volume: 100 });
      expect(tone.zones).toEqual(['loa']);
      await new Promise((r) => setTimeout(r, 500));
      const heard = speaker.status().items;
      expect(heard).toHaveLength(2);
      expect(heard[0]!.sha256).toBe(trimmedPcmSha256(await decodeFile(clip.path)));
      expect(radio.cache.has(clip.asset.sha256)).toBe(true);
      expect(existsSync(join(data.dir, 'radio', 'journal.json'))).toBe(true);
      expect(existsSync(join(data.dir, 'radio', 'sdp'))).toBe(true);
    } finally {
      await radio.stop();
    }
  });
});
