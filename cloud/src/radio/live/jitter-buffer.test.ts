import { describe, expect, it } from 'vitest';
import { JitterBuffer, LIVE_FRAME_BYTES } from './jitter-buffer.js';

/** `ms` of PCM whose every sample is `value`. */
const pcm = (ms: number, value: number) => {
  const b = Buffer.alloc((ms / 20) * LIVE_FRAME_BYTES);
  for (let i = 0; i < b.length; i += 2) b.writeInt16LE(value, i);
  return b;
};
const valueOf = (frame: Buffer | null) => (frame ? frame.readInt16LE(0) : null);

describe('the live jitter buffer', () => {
  it('waits for its target before giving frames, and again after an underrun', () => {
    const jb = new JitterBuffer({ targetMs: 60, maxMs: 1000 });
    jb.write(pcm(40, 1));
    expect(jb.take()).toBeNull(); // 40 ms < 60 ms target
    jb.write(pcm(20, 2));
    expect([jb.take(), jb.take(), jb.take()].map(valueOf)).toEqual([1, 1, 2]);
    expect(jb.take()).toBeNull(); // underrun
    expect(jb.underruns).toBe(1);
    jb.write(pcm(20, 3));
    expect(jb.take()).toBeNull(); // refilling to the target
    jb.write(pcm(40, 4));
    expect(valueOf(jb.take())).toBe(3);
  });

  it('keeps samples aligned across odd-length writes and copies what it is given', () => {
    const jb = new JitterBuffer({ targetMs: 0, maxMs: 1000 });
    const data = pcm(20, 7);
    jb.write(data.subarray(0, 101));
    jb.write(data.subarray(101));
    data.fill(0); // the producer reuses its buffer
    const frame = jb.take()!;
    expect(frame.length).toBe(LIVE_FRAME_BYTES);
    for (let i = 0; i < frame.length; i += 2) expect(frame.readInt16LE(i)).toBe(7);
  });

  it('drops the oldest audio beyond its maximum, so the delay stays bounded after a burst', () => {
    const jb = new JitterBuffer({ targetMs: 20, maxMs: 100 });
    jb.write(pcm(100, 1));
    jb.write(pcm(60, 2)); // a burst after a stall
    expect(jb.bufferedMs).toBe(100);
    expect(jb.droppedBytes).toBe(3 * LIVE_FRAME_BYTES);
    expect([jb.take(), jb.take(), jb.take()].map(valueOf)).toEqual([1, 1, 2]);
  });

  it('gives everything left at the end as whole frames, the last padded with silence', () => {
    const jb = new JitterBuffer({ targetMs: 200, maxMs: 1000 });
    jb.write(pcm(50, 5));
    const rest = jb.drain();
    expect(rest.map((f) => f.length)).toEqual([LIVE_FRAME_BYTES, LIVE_FRAME_BYTES, LIVE_FRAME_BYTES]);
    expect(rest[2]!.readInt16LE(0)).toBe(5);
    expect(rest[2]!.readInt16LE(LIVE_FRAME_BYTES - 2)).toBe(0);
    expect(jb.drain()).toEqual([]);
  });

  it('plays away a surplus the link has not needed for settleMs: quiet frames first, else one in 25', () => {
    const feed = (value: number) => {
      const jb = new JitterBuffer({ targetMs: 100, maxMs: 2000, settleMs: 1000 });
      jb.write(pcm(100, value));
      jb.write(pcm(600, value)); // the decoder started late: 600 ms more arrive in one clump
      const levels: number[] = [];
      for (let k = 0; k < 900; k++) {
        jb.write(pcm(20, value)); // then the link delivers in step with the clock
        expect(jb.take()).not.toBeNull();
        levels.push(jb.bufferedMs);
      }
      return { jb, levels };
    };
    const loud = feed(1000);
    // the first second is the settling window: nothing is dropped while the surplus is not proven
    expect(loud.levels[49]).toBe(700);
    expect(loud.jb.trimmedFrames).toBeGreaterThan(20);
    // back to the target plus a frame, about 29 frames × 25 takes later; never under the target
    expect(loud.levels.at(-1)).toBe(120);
    expect(Math.min(...loud.levels)).toBeGreaterThanOrEqual(100);
    expect(loud.jb.underruns).toBe(0);

    const quiet = feed(0);
    const settled = quiet.levels.findIndex((l) => l <= 120);
    expect(settled).toBeGreaterThan(49);
    expect(settled).toBeLessThan(90); // a frame per take: within 30 takes of the window's end
  });

  it('keeps a surplus the link keeps needing (its level dips to the target in every window)', () => {
    const jb = new JitterBuffer({ targetMs: 100, maxMs: 2000, settleMs: 1000 });
    jb.write(pcm(100, 1000));
    for (let k = 0; k < 400; k++) {
      // 200 ms pieces every 10 frames: the level swings between 100 and 300 ms
      if (k % 10 === 0) jb.write(pcm(200, 1000));
      expect(jb.take()).not.toBeNull();
    }
    expect(jb.trimmedFrames).toBe(0);
    expect(jb.underruns).toBe(0);
  });
});
