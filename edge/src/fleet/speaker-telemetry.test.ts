import { afterEach, describe, expect, it } from 'vitest';
import { startSimSpeaker, type SimSpeaker } from '../../../firmware-sim/src/speakers/sim-speaker.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, startTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import type { EdgeDaemon } from '../daemon.js';
import { speakerTelemetry } from './telemetry.js';

describe("the loudspeakers' health in telemetry", () => {
  it('reports one entry per zone, as bad as its worst output, the reason bounded', () => {
    const out = (zone: string, state: 'ok' | 'offline' | 'muted' | 'unknown', reason: string | null = null) => ({ zone, health: { state, reason } });
    expect(
      speakerTelemetry([out('main', 'ok'), out('main', 'offline', 'status not reachable'), out('main', 'muted', 'mute'), out('cho', 'unknown', 'x'.repeat(400)), out('cho', 'ok')]),
    ).toEqual([
      { zone: 'main', state: 'offline', reason: 'status not reachable' },
      { zone: 'cho', state: 'unknown', reason: 'x'.repeat(300) },
    ]);
    expect(speakerTelemetry([])).toEqual([]);
  });

  it('merges the details of a zone with several speakers: reachable only if all are, playing if any, muted if all, the newer last error', () => {
    const out = (zone: string, state: 'ok' | 'offline' | 'muted' | 'unknown', more: { playing?: boolean; muted?: boolean; lastError?: { message: string; at: number } | null; volume?: number } = {}) => ({
      zone,
      health: { state, reason: state === 'offline' ? 'status answered HTTP 503' : null },
      playing: more.playing ?? false,
      volume: more.volume ?? 70,
      muted: more.muted ?? false,
      lastError: more.lastError ?? null,
    });
    expect(
      speakerTelemetry([
        out('main', 'ok', { playing: true, lastError: { message: 'old', at: 1 } }),
        out('main', 'offline', { lastError: { message: 'status answered HTTP 503', at: 5 } }),
        out('cho', 'ok', { muted: true }),
        out('cho', 'unknown', { muted: true }),
        out('san', 'ok', { muted: true }),
        out('san', 'ok', { muted: false, lastError: { message: 'x'.repeat(400), at: 3 } }),
      ]),
    ).toEqual([
      { zone: 'main', state: 'offline', reason: 'status answered HTTP 503', reachable: false, playing: true, volume: 70, muted: false, lastError: { message: 'status answered HTTP 503', at: 5 } },
      { zone: 'cho', state: 'unknown', reason: null, reachable: null, playing: false, volume: 70, muted: true, lastError: null },
      { zone: 'san', state: 'ok', reason: null, reachable: true, playing: false, volume: 70, muted: false, lastError: { message: 'x'.repeat(300), at: 3 } },
    ]);
  });

  describe('from a real box to the cloud', () => {
    let test: TestCloud;
    let daemon: EdgeDaemon | null = null;
    let speaker: SimSpeaker;
    afterEach(async () => {
      await daemon?.stop();
      await speaker?.close();
      await test?.stop();
    });

    it("publishes speaker.offline when a loudspeaker stops answering and speaker.online when it is back", async () => {
      test = await startTestCloud();
      const events: string[] = [];
      test.cloud.events.subscribe('speaker.offline', (e) => void events.push(`offline:${e.zone}:${e.state}`));
      test.cloud.events.subscribe('speaker.online', (e) => void events.push(`online:${e.zone}`));
      speaker = await startSimSpeaker();
      const edge = await provisionTestEdge(test, 'ap-2a');
      daemon = await startTestEdge(edge.dataDir);
      const put = await test.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, {
        telemetryIntervalS: 2,
        radio: { speakers: [{ zone: 'cho', driver: 'sim', target: speaker.target, volume: 80, statusUrl: speaker.statusUrl }] },
      });
      expect(put.status).toBe(200);
      const stored = async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.telemetry?.speakers;
      await waitFor(async () => (await stored())?.[0]?.state === 'ok', 'the speaker reported ok', 20_000);

      speaker.setFaults({ offline: true }); // its /status answers 503
      await waitFor(() => events.length === 1, 'speaker.offline', 20_000);
      expect(events).toEqual(['offline:cho:offline']);
      expect((await stored())[0]).toMatchObject({ zone: 'cho', state: 'offline', reason: expect.stringContaining('503') });

      speaker.setFaults({ offline: false });
      await waitFor(() => events.length === 2, 'speaker.online', 20_000);
      expect(events).toEqual(['offline:cho:offline', 'online:cho']);
    }, 60_000);
  });
});
