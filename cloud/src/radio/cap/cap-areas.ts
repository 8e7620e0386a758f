import { shapesIntersect, type Shape } from './cap-geography.js';
import type { CapArea } from './cap-parser.js';

export interface CapHamlet {
  code: string;
  name: string;
}

/** A hamlet with where it lies: its outline, or a circle, or its boxes' circles; null when nothing is known. */
export interface PlaceHamlet extends CapHamlet {
  shapes: Shape[] | null;
}

/** The commune as an alert's areas are compared with: names, administrative unit codes, hamlets. */
export interface CommunePlace {
  /** As written, with the unit's word: "Xã Vị Tân", "Thành phố Vị Thanh", "Tỉnh Hậu Giang". */
  name: string;
  district: string;
  province: string;
  /** Official administrative unit codes (mã đơn vị hành chính); null until set. */
  adminCode: string | null;
  provinceAdminCode: string | null;
  hamlets: PlaceHamlet[];
}

export type CapTargets = { all: true; hamlets: [] } | { all: false; hamlets: string[] };

/**
 * Where an alert applies. Not evaluable: none of its areas could be compared with the commune (it
 * is held for an operator). Evaluable with no hamlets: it is for somewhere else.
 */
export type AreaVerdict = { evaluable: false } | { evaluable: true; targets: CapTargets };

/** Lower case, no diacritics (đ → d), every run of other characters one space: `Ấp 2A` and `ap-2a` both become `ap 2a`. */
export function foldVietnamese(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const containsPhrase = (haystack: string, phrase: string) => phrase !== '' && ` ${haystack} `.includes(` ${phrase} `);

/**
 * Expands lists after the word "ấp": `ấp 1, 2 và 3A` → `ap 1 ap 2 ap 3a`, so each hamlet of the
 * list is named on its own.
 */
function expandHamletLists(folded: string): string {
  const tokens = folded.split(' ');
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    out.push(tokens[i]!);
    if (tokens[i] !== 'ap') continue;
    let j = i + 1;
    const numbers: string[] = [];
    while (j < tokens.length && (/^\d+[a-z]?$/.test(tokens[j]!) || tokens[j] === 'va' || tokens[j] === 'and')) {
      if (tokens[j] !== 'va' && tokens[j] !== 'and') numbers.push(tokens[j]!);
      j++;
    }
    if (numbers.length > 1) {
      out.push(numbers[0]!, ...numbers.slice(1).flatMap((n) => ['ap', n]));
      i = j - 1;
    }
  }
  return out.join(' ');
}

/**
 * Words of Vietnamese administrative units, read with their diacritics ("xã", not the "Xà" of kênh
 * Xà No). Longer words first, so "thị xã" is not read as "xã".
 */
const UNIT_WORDS = /(?<![\p{L}\p{N}])(thị trấn|thị xã|thành phố|xã|phường|huyện|quận|tỉnh)\s+/gu;

/** The names that follow a unit word in the text ("xã Vĩnh Hòa Hưng Nam, huyện Gò Quao" → two), folded. */
function unitNames(text: string): string[] {
  const lower = text.normalize('NFC').toLowerCase();
  const starts = [...lower.matchAll(UNIT_WORDS)].map((m) => ({ from: m.index + m[0].length, wordAt: m.index }));
  return starts.map(({ from }, i) => foldVietnamese(lower.slice(from, starts[i + 1]?.wordAt).split(/[,;()]| và | and /)[0] ?? '')).filter(Boolean);
}

/** A unit's own name without its word: "Tỉnh Hậu Giang" → "hau giang". */
const bareName = (name: string) => unitNames(name)[0] ?? foldVietnamese(name);

function evaluateArea(area: CapArea, place: CommunePlace): AreaVerdict {
  const shapes: Shape[] = [...area.polygons.map((ring) => ({ kind: 'polygon' as const, ring })), ...area.circles.map((c) => ({ kind: 'circle' as const, ...c }))];
  // a shape is compared only once every hamlet has a place: a hamlet left out might lie inside it
  if (shapes.length && place.hamlets.every((h) => h.shapes)) {
    const hit = place.hamlets.filter((h) => h.shapes!.some((hs) => shapes.some((s) => shapesIntersect(s, hs))));
    return { evaluable: true, targets: { all: false, hamlets: hit.map((h) => h.code) } };
  }
  const codes = [place.adminCode, place.provinceAdminCode].filter((c): c is string => c !== null);
  const geocodes = area.geocodes.map((g) => g.value.trim());
  const folded = expandHamletLists(foldVietnamese([area.areaDesc, ...geocodes].join(' ')));
  const ourNames = [place.name, place.district, place.province].map(bareName);
  const ours = geocodes.some((g) => codes.includes(g)) || ourNames.some((n) => containsPhrase(folded, n));
  const elsewhere =
    unitNames(area.areaDesc).some((n) => !ourNames.some((o) => n === o || n.startsWith(`${o} `))) ||
    (codes.length > 0 && geocodes.some((g) => !codes.includes(g) && !place.hamlets.some((h) => foldVietnamese(g) === foldVietnamese(h.code))));
  const named = place.hamlets.filter((h) => containsPhrase(folded, foldVietnamese(h.code)) || containsPhrase(folded, foldVietnamese(h.name)));
  // "Ấp 2" alone is ours; "Ấp 2, xã Vị Đông" is another commune's Ấp 2
  if (named.length && (ours || !elsewhere)) return { evaluable: true, targets: { all: false, hamlets: named.map((h) => h.code) } };
  if (ours) return { evaluable: true, targets: { all: true, hamlets: [] } };
  if (elsewhere) return { evaluable: true, targets: { all: false, hamlets: [] } };
  return { evaluable: false };
}

/**
 * Which hamlets an alert's areas include. An area includes a hamlet when one of its polygons or
 * circles meets the hamlet's outline or circle; when a geocode is the commune's or the province's
 * code, or its areaDesc names the commune, district or province (the whole commune); or when it
 * names the hamlet (by code or name, whatever the case and diacritics, `Ấp 2, Ấp 2A và Ấp 3`). An
 * area naming another unit (`tỉnh Kiên Giang`) or with another code includes nothing. Areas that
 * can be judged decide; the others are left aside. No area can be judged (or there is none): not
 * evaluable.
 */
export function evaluateAreas(areas: readonly CapArea[], place: CommunePlace): AreaVerdict {
  const verdicts = areas.map((a) => evaluateArea(a, place)).filter((v) => v.evaluable);
  if (verdicts.length === 0) return { evaluable: false };
  if (verdicts.some((v) => v.targets.all)) return { evaluable: true, targets: { all: true, hamlets: [] } };
  const hit = new Set(verdicts.flatMap((v) => v.targets.hamlets));
  return { evaluable: true, targets: { all: false, hamlets: place.hamlets.map((h) => h.code).filter((c) => hit.has(c)) } };
}

/**
 * Which hamlets an alert's areas include across several communes (issue 10: a province operator's
 * or a province feed's message), each commune judged on its own as above. Every commune judged as
 * a whole: all (the province). Otherwise the hamlets each commune includes, a commune included
 * whole giving all its hamlets. No commune can be judged: not evaluable. One commune: evaluateAreas.
 */
export function evaluateAreasIn(areas: readonly CapArea[], places: readonly CommunePlace[]): AreaVerdict {
  if (places.length === 1) return evaluateAreas(areas, places[0]!);
  const judged = places.map((place) => ({ place, verdict: evaluateAreas(areas, place) })).filter((x) => x.verdict.evaluable);
  if (judged.length === 0) return { evaluable: false };
  const whole = (v: AreaVerdict) => v.evaluable && v.targets.all;
  if (judged.length === places.length && judged.every((x) => whole(x.verdict))) return { evaluable: true, targets: { all: true, hamlets: [] } };
  const hamlets = judged.flatMap(({ place, verdict }) => (whole(verdict) ? place.hamlets.map((h) => h.code) : verdict.evaluable ? verdict.targets.hamlets : []));
  return { evaluable: true, targets: { all: false, hamlets: [...new Set(hamlets)] } };
}
