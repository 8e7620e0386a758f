import { describe, expect, it } from 'vitest';
import { hamletPlan, planSpot } from './fleet-plan.js';

describe('the hamlet plan', () => {
  it("keeps the pilot's three rows of three, and gives a larger commune more rows instead of leaving hamlets out", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(planSpot)).toEqual([
      [70, 60], [200, 45], [330, 60],
      [330, 165], [200, 180], [70, 165],
      [70, 270], [200, 285], [330, 270],
    ]);
    const twelve = Array.from({ length: 12 }, (_, i) => ({ code: `h-${i + 1}`, name: `Ấp ${i + 1}` }));
    const svg = String(hamletPlan(twelve, 'Sơ đồ', 'plan-title-x'));
    expect(svg.match(/<a href="#hamlet-h-\d+" id="plan-h-\d+"/g)).toHaveLength(12);
    expect(svg).toContain('viewBox="0 0 400 435"');
    expect(svg).toContain('aria-labelledby="plan-title-x"');
    expect(planSpot(11)).toEqual([70, 375]);
  });
});
