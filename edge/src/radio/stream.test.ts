import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer, makeAudio, tempDir, type AudioFile } from './testing/fixtures.js';
import { useSpeakers, plan, planItem, startHarness } from './testing/harness.js';
import { startSimSpeaker } from '../../../firmware-sim/src/speakers/sim-speaker.js';

useSpeakers(startSimSpeaker);

describe('live relay (source.kind "stream")', () => {
  const media = tempDir();
  let clip: AudioFile;
  let files: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    clip = makeAudio(media.dir, 'relay', { seconds: 3, format: 'mp3', frequency: 600 });
    files = await startFileServer({ 'relay.mp3': clip.data });
  });
  afterAll(async () => {
    await files.close();
    media.remove();
  });

  it('decodes the relay live, plays it for its window and reports it', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [], player: { streamLeadMs: 2500 } });
    try {
      const item = planItem(null, Date.now() + 2500, { source: { kind: 'stream', url: `${files.url}/files/relay.mp3` }, durationMs: 1200 });
      h.player.load(plan(item));
      const done = await h.waitFor((e) => e.state === 'completed');
      expect(h.statesOf(item.occurrenceId)).toEqual(['started', 'completed']);
      expect(done.durationMs).toBeGreaterThan(0);
      expect(done.durationMs).toBeLessThanOrEqual(1200 + 10);
      const z1 = await h.heard('z1');
      expect(z1.items).toHaveLength(1);
      // the relay's audio went through (how much depends on how fast ffmpeg started: the window ends on time)
      expect(Math.max(...z1.items[0]!.energyFingerprint)).toBeGreaterThan(1000);
      expect(z1.items[0]!.durationMs).toBeLessThanOrEqual(done.durationMs! + 10);
    } finally {
      await h.close();
    }
  });

  it('a relay that does not answer is missed at the end of its window', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [], player: { streamLeadMs: 500 } });
    try {
      const item = planItem(null, Date.now() + 600, { source: { kind: 'stream', url: `${files.url}/files/nothing.mp3` }, durationMs: 1500 });
      h.player.load(plan(item));
      const missed = await h.waitFor((e) => e.occurrenceId === item.occurrenceId);
      expect(missed.state).toBe('missed');
      expect(missed.reason).toMatch(/relay/);
      expect((await h.heard('z1')).items).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});
