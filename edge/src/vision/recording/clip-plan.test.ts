import { describe, expect, it } from 'vitest';
import { missingParts, planCut } from './clip.js';

const seg = (startMs: number, endMs: number) => ({ startMs, endMs });

describe('a cut planned from the segments kept facts', () => {
  it('enters at the first segment keyframe, hides the preroll and ends at the asked time', () => {
    const plan = planCut([seg(10_000, 12_000), seg(12_000, 14_000), seg(14_000, 16_000)], 11_300, 15_500);
    expect(plan.prerollS).toBeCloseTo(1.3, 6);
    expect(plan.endS).toBeCloseTo(5.5, 6);
    expect(plan).toMatchObject({ durationMs: 4200, startMs: 11_300 });
  });

  it('counts a gap between ffmpeg runs as no time in the joined timeline and names it missing', () => {
    const segments = [seg(10_000, 12_000), seg(20_000, 22_000)];
    const plan = planCut(segments, 9_000, 21_000);
    expect(plan).toMatchObject({ prerollS: 0, startMs: 10_000, durationMs: 3000 });
    expect(plan.endS).toBeCloseTo(3, 6);
    expect(missingParts(segments, 9_000, 23_000)).toEqual([
      { fromMs: 9_000, toMs: 10_000 },
      { fromMs: 12_000, toMs: 20_000 },
      { fromMs: 22_000, toMs: 23_000 },
    ]);
    expect(missingParts([seg(10_000, 12_000), seg(12_010, 14_000)], 10_500, 13_000)).toEqual([]);
  });
});
