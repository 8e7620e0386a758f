import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRefused } from '../fleet/commands.js';
import { applyGain, trimmedPcmSha256 } from './pcm.js';
import { playTestTone, sineTone } from './test-tone.js';
import { makeAudio, tempDir, type AudioFile } from './testing/fixtures.js';
import { useSpeakers, plan, planItem, skewedClock, startHarness } from './testing/harness.js';
import { startSimSpeaker } from '../../../firmware-sim/src/speakers/sim-speaker.js';

useSpeakers(startSimSpeaker);

describe('test tone', () => {
  const media = tempDir();
  let emergency: AudioFile;
  beforeAll(() => {
    emergency = makeAudio(media.dir, 'emergency', { seconds: 2, format: 'opus' });
  });
  afterAll(() => media.remove());

  it('sineTone is a sine of the asked frequency and length, faded in and out', () => {
    const pcm = sineTone({ frequencyHz: 1000, durationMs: 500 });
    expect(pcm.length).toBe(24_000 * 2);
    expect(pcm.readInt16LE(0)).toBe(0);
    let crossings = 0;
    for (let i = 2; i < pcm.length; i += 2) if (pcm.readInt16LE(i - 2) < 0 && pcm.readInt16LE(i) >= 0) crossings++;
    expect(crossings).toBeGreaterThanOrEqual(499);
    expect(crossings).toBeLessThanOrEqual(500);
    const peak = Math.max(...Array.from({ length: pcm.length / 2 }, (_, i) => Math.abs(pcm.readInt16LE(i * 2))));
    expect(peak).toBe(Math.round(32767 * 0.5));
  });

  it('plays now on the chosen zone only and answers with the cloud time of its first sample', async () => {
    const clock = skewedClock(-90_000);
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }, { zone: 'z2', volume: 100 }], files: [], clock });
    try {
      const before = clock.cloudNow();
      const res = await playTestTone(h.player, clock, { zones: ['z1'], durationMs: 400, frequencyHz: 800, volume: 100 });
      expect(res.zones).toEqual(['z1']);
      expect(res.startedAt).toBeGreaterThanOrEqual(before);
      await h.waitFor((e) => e.state === 'completed');
      expect(h.events.map((e) => [e.scheduleId, e.state])).toEqual([['test-tone', 'started'], ['test-tone', 'completed']]);
      const z1 = await h.heard('z1');
      expect(z1.items).toHaveLength(1);
      expect(z1.items[0]!.sha256).toBe(trimmedPcmSha256(sineTone({ frequencyHz: 800, durationMs: 400 })));
      expect(z1.items[0]!.firstSampleAt!).toBeGreaterThanOrEqual(res.startedAt - 100);
      expect((await h.heard('z2')).items).toHaveLength(0);

      await playTestTone(h.player, clock, { zones: null, durationMs: 300, frequencyHz: 500, volume: 40 });
      await h.waitFor((e) => e.state === 'completed' && e.zones?.length === 2);
      const z2 = await h.heard('z2');
      expect(z2.items[0]!.sha256).toBe(trimmedPcmSha256(applyGain(sineTone({ frequencyHz: 500, durationMs: 300 }), 100, 40)));
    } finally {
      await h.close();
    }
  });

  it('is refused for an unknown zone, and never plays over an emergency', async () => {
    const clock = skewedClock(0);
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [emergency], clock });
    try {
      const unknown = await playTestTone(h.player, clock, { zones: ['z9'], durationMs: 300, frequencyHz: 500, volume: 50 }).catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(CommandRefused);
      expect((unknown as CommandRefused).code).toBe('unknown-zone');

      const e = planItem(emergency, Date.now() + 800, { priority: 'emergency' });
      h.player.load(plan(e));
      await h.waitFor((ev) => ev.state === 'started');
      const busy = await playTestTone(h.player, clock, { zones: null, durationMs: 300, frequencyHz: 500, volume: 50 }, { maxWaitMs: 300 }).catch((err: unknown) => err);
      expect(busy).toBeInstanceOf(CommandRefused);
      expect((busy as CommandRefused).code).toBe('busy');
      await h.waitFor((ev) => ev.occurrenceId === e.occurrenceId && ev.state === 'completed');
      expect(h.statesOf(e.occurrenceId)).toEqual(['started', 'completed']);
      const z1 = await h.heard('z1');
      expect(z1.items).toHaveLength(1);
      expect(z1.overlaps).toBe(0);
    } finally {
      await h.close();
    }
  });
});
