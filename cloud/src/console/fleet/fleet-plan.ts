import { html } from 'hono/html';

export interface PlanHamlet {
  code: string;
  name: string;
}

/** Where each hamlet sits on the plan, in the commune's usual order: three rows along the main road. */
const SPOTS: readonly (readonly [number, number])[] = [
  [70, 60], [200, 45], [330, 60],
  [330, 165], [200, 180], [70, 165],
  [70, 270], [200, 285], [330, 270],
];

/**
 * A schematic plan of the hamlets drawn as SVG by the server (no map tiles): one labelled circle per
 * hamlet, linked to its list below; the page script colours them by the boxes' state. A group, not
 * an image: an image's content is presentational, which would hide (and nest) the hamlets' links.
 */
export function hamletPlan(hamlets: PlanHamlet[], title: string) {
  const placed = hamlets.slice(0, SPOTS.length).map((h, i) => ({ ...h, x: SPOTS[i]![0], y: SPOTS[i]![1] }));
  const road = placed.map((h) => `${h.x},${h.y}`).join(' ');
  return html`<svg class="fleet-plan" viewBox="0 0 400 330" role="group" aria-labelledby="plan-svg-title">
  <title id="plan-svg-title">${title}</title>
  <polyline class="road" points="${road}" />
  ${placed.map(
    (h) => html`<a href="#hamlet-${h.code}" id="plan-${h.code}" class="hamlet none" data-hamlet="${h.code}">
    <circle cx="${h.x}" cy="${h.y}" r="30" />
    <text x="${h.x}" y="${h.y - 2}" class="name">${h.name}</text>
    <text x="${h.x}" y="${h.y + 15}" class="count" data-count="${h.code}">–</text>
  </a>`,
  )}
</svg>`;
}
