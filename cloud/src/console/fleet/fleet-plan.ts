import { html } from 'hono/html';

export interface PlanHamlet {
  code: string;
  name: string;
  /** The hamlet's commune (issue 10: a province-level person's plan is drawn commune by commune). */
  communeCode?: string;
}

/** A commune with its hamlets, for a plan of its own. */
export interface PlanCommune {
  code: string;
  name: string;
}

const COLUMNS = [70, 200, 330] as const;
const ROW_HEIGHT = 105;

/**
 * Where the i-th hamlet sits on the plan, in the commune's usual order: rows of three along a main
 * road that turns at each end (left to right, then right to left), the middle one a little off the
 * line. Nine hamlets give the pilot's three rows; a commune of more gets more rows, none is left out.
 */
export function planSpot(i: number): [number, number] {
  const row = Math.floor(i / 3);
  const col = i % 3;
  const x = row % 2 === 0 ? COLUMNS[col]! : COLUMNS[2 - col]!;
  // the pilot's drawing: the first row's middle hamlet a little above the road, the others' below
  const y = 60 + row * ROW_HEIGHT + (col === 1 ? (row === 0 ? -15 : 15) : 0);
  return [x, y];
}

/**
 * A schematic plan of the hamlets drawn as SVG by the server (no map tiles): one labelled circle per
 * hamlet, linked to its list below; the page script colours them by the boxes' state. A group, not
 * an image: an image's content is presentational, which would hide (and nest) the hamlets' links.
 * `id` keeps the title's id unique when a page draws one plan per commune.
 */
export function hamletPlan(hamlets: PlanHamlet[], title: string, id = 'plan-svg-title') {
  const placed = hamlets.map((h, i) => {
    const [x, y] = planSpot(i);
    return { ...h, x, y };
  });
  const road = placed.map((h) => `${h.x},${h.y}`).join(' ');
  const height = Math.max(1, Math.ceil(placed.length / 3)) * ROW_HEIGHT + 15;
  return html`<svg class="fleet-plan" viewBox="0 0 400 ${height}" role="group" aria-labelledby="${id}">
  <title id="${id}">${title}</title>
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

/** The communes that have hamlets to draw, each with its own, in the communes' order. */
export function byCommune<H extends PlanHamlet>(hamlets: readonly H[], communes: readonly PlanCommune[]): { commune: PlanCommune; hamlets: H[] }[] {
  return communes.map((commune) => ({ commune, hamlets: hamlets.filter((h) => h.communeCode === commune.code) })).filter((g) => g.hamlets.length > 0);
}
