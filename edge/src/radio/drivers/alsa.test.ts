import { describe, expect, it } from 'vitest';
import { FRAME_BYTES } from '../pcm.js';
import { sineTone } from '../test-tone.js';
import { useSpeakers, plan, planItem, startHarness } from '../testing/harness.js';
import { makeAudio, tempDir } from '../testing/fixtures.js';
import { AlsaDriver } from './alsa.js';
import { startSimSpeaker } from '../../../../firmware-sim/src/speakers/sim-speaker.js';

useSpeakers(startSimSpeaker);

// alsa-utils (aplay) is a Debian package scripts/test installs
describe('ALSA driver (aplay on the null device)', () => {
  it('plays back-to-back items through one aplay process, and a bad device is offline', async () => {
    const driver = new AlsaDriver({ zone: 'z1', driver: 'alsa', target: 'null', volume: 100 }, {}, 200);
    await driver.open();
    expect(driver.health().state).toBe('ok');
    const tone = sineTone({ frequencyHz: 440, durationMs: 100 });
    for (let item = 0; item < 2; item++) {
      driver.beginItem();
      for (let off = 0; off < tone.length; off += FRAME_BYTES) driver.write(tone.subarray(off, off + FRAME_BYTES));
      driver.endItem();
    }
    expect(driver.spawned).toBe(1);
    await new Promise((r) => setTimeout(r, 500)); // idle: aplay drains and exits cleanly
    expect(driver.health()).toMatchObject({ state: 'ok' });
    await driver.close();

    const bad = new AlsaDriver({ zone: 'z2', driver: 'alsa', target: 'hw:77,0', volume: 100 });
    await bad.open();
    expect(bad.health().state).toBe('offline');
    expect(bad.health().reason).toMatch(/hw:77,0/);
    await bad.close();
  });

  it('the player plays a planned item on an ALSA zone', async () => {
    const media = tempDir();
    const clip = makeAudio(media.dir, 'clip', { seconds: 1, format: 'opus' });
    const h = await startHarness({ zones: [{ zone: 'amp', volume: 80, driver: 'alsa', target: 'null' }], files: [clip] });
    try {
      const item = planItem(clip, Date.now() + 800);
      h.player.load(plan(item));
      await h.waitFor((e) => e.state === 'completed');
      expect(h.statesOf(item.occurrenceId)).toEqual(['started', 'completed']);
      expect(h.events[0]!.zones).toEqual(['amp']);
    } finally {
      await h.close();
      media.remove();
    }
  });
});
