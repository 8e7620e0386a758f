import { shapesIntersect, type Shape } from './cap-geography.js';
import type { CapArea } from './cap-parser.js';
import { foldVietnamese, standingByNames, unitMentions, unitOf, type Standing } from './cap-units.js';

export { foldVietnamese } from './cap-units.js';

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
  /** Another commune of the deployment has the same name (in another district); absent: none has. */
  nameShared?: boolean;
  hamlets: PlaceHamlet[];
}

export type CapTargets = { all: true; hamlets: [] } | { all: false; hamlets: string[] };

/**
 * Where an alert applies. Not evaluable: none of its areas could be compared with the commune (it
 * is held for an operator). Evaluable with no hamlets: it is for somewhere else.
 */
export type AreaVerdict = { evaluable: false } | { evaluable: true; targets: CapTargets };

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

/** A district's official code has three digits: the commune does not record it, so it is no sign of elsewhere. */
const DISTRICT_CODE = /^\d{3}$/;

/**
 * What the area's geocodes say, once the commune's codes are set: ours when one is the commune's or
 * the province's code, elsewhere when others are given (hamlet codes and district codes aside).
 * Null: nothing to compare. A code decides over the names.
 */
function standingByCodes(geocodes: readonly string[], place: CommunePlace): Standing | null {
  const codes = [place.adminCode, place.provinceAdminCode].filter((c): c is string => c !== null);
  if (!codes.length) return null;
  const relevant = geocodes.filter((g) => !DISTRICT_CODE.test(g) && !place.hamlets.some((h) => foldVietnamese(g) === foldVietnamese(h.code)));
  if (!relevant.length) return null;
  return relevant.some((g) => codes.includes(g)) ? 'ours' : 'elsewhere';
}

/** An area's verdict for one commune; `sure` unless it rests on hamlet names alone (`Ấp 2`), which many communes may have. */
interface AreaJudgement {
  verdict: AreaVerdict;
  sure: boolean;
}

function evaluateArea(area: CapArea, place: CommunePlace): AreaJudgement {
  const shapes: Shape[] = [...area.polygons.map((ring) => ({ kind: 'polygon' as const, ring })), ...area.circles.map((c) => ({ kind: 'circle' as const, ...c }))];
  // a shape is compared only once every hamlet has a place: a hamlet left out might lie inside it
  if (shapes.length && place.hamlets.every((h) => h.shapes)) {
    const hit = place.hamlets.filter((h) => h.shapes!.some((hs) => shapes.some((s) => shapesIntersect(s, hs))));
    return { verdict: { evaluable: true, targets: { all: false, hamlets: hit.map((h) => h.code) } }, sure: true };
  }
  const geocodes = area.geocodes.map((g) => g.value.trim());
  const named = { commune: unitOf(place.name), district: unitOf(place.district), province: unitOf(place.province), nameShared: place.nameShared ?? false };
  const standing = standingByCodes(geocodes, place) ?? standingByNames(unitMentions(area.areaDesc), named);
  const byCode = place.hamlets.filter((h) => geocodes.some((g) => foldVietnamese(g) === foldVietnamese(h.code)));
  const folded = expandHamletLists(foldVietnamese(area.areaDesc));
  const byText = place.hamlets.filter((h) => containsPhrase(folded, foldVietnamese(h.code)) || containsPhrase(folded, foldVietnamese(h.name)));
  const hit = place.hamlets.filter((h) => byCode.includes(h) || byText.includes(h));
  // "Ấp 2" alone may be ours; "Ấp 2, xã Vị Đông" is another commune's Ấp 2
  if (hit.length && standing !== 'elsewhere') return { verdict: { evaluable: true, targets: { all: false, hamlets: hit.map((h) => h.code) } }, sure: standing === 'ours' || byText.length === 0 };
  if (standing === 'ours') return { verdict: { evaluable: true, targets: { all: true, hamlets: [] } }, sure: true };
  if (standing === 'elsewhere') return { verdict: { evaluable: true, targets: { all: false, hamlets: [] } }, sure: true };
  return { verdict: { evaluable: false }, sure: false };
}

/** The verdicts of a commune's areas together: those judged decide, one including the whole commune is all. */
function combine(verdicts: readonly AreaVerdict[], place: CommunePlace): AreaVerdict {
  const judged = verdicts.filter((v) => v.evaluable);
  if (judged.length === 0) return { evaluable: false };
  if (judged.some((v) => v.targets.all)) return { evaluable: true, targets: { all: true, hamlets: [] } };
  const hit = new Set(judged.flatMap((v) => v.targets.hamlets));
  return { evaluable: true, targets: { all: false, hamlets: place.hamlets.map((h) => h.code).filter((c) => hit.has(c)) } };
}

/**
 * Which hamlets an alert's areas include. An area includes a hamlet when one of its polygons or
 * circles meets the hamlet's outline or circle; when a geocode is the commune's or the province's
 * code, or its areaDesc names the commune strictly (standingByNames: the exact name with its
 * district or province, or its district or province alone as a district- or province-level area):
 * the whole commune; or when it names the hamlet (by code or name, whatever the case and
 * diacritics, `Ấp 2, Ấp 2A và Ấp 3`). An area naming another unit (`tỉnh Kiên Giang`) or with
 * another code includes nothing. Areas that can be judged decide; the others are left aside. No
 * area can be judged (or there is none): not evaluable.
 */
export function evaluateAreas(areas: readonly CapArea[], place: CommunePlace): AreaVerdict {
  return combine(areas.map((a) => evaluateArea(a, place).verdict), place);
}

/**
 * Which hamlets an alert's areas include across several communes (issue 10: a province operator's
 * or a province feed's message), each commune judged on its own as above, except that an area
 * resting on hamlet names alone that several communes have (`Ấp 2`, `Ấp 2, xã Tân Phú` where two
 * districts have a xã Tân Phú) is left aside: it is not known whose it is. Every commune judged as
 * a whole: all (the province). Nothing included while some commune could not be judged: not
 * evaluable (it may be that commune's). Otherwise the hamlets each commune includes, a commune included
 * whole giving all its hamlets. No commune can be judged: not evaluable. One commune: evaluateAreas.
 */
export function evaluateAreasIn(areas: readonly CapArea[], places: readonly CommunePlace[]): AreaVerdict {
  if (places.length === 1) return evaluateAreas(areas, places[0]!);
  const perArea = areas.map((area) => {
    const judgements = places.map((place) => evaluateArea(area, place));
    const unsureHits = judgements.filter((j) => !j.sure && j.verdict.evaluable && j.verdict.targets.hamlets.length > 0);
    return unsureHits.length > 1 ? places.map((): AreaVerdict => ({ evaluable: false })) : judgements.map((j) => j.verdict);
  });
  const judged = places.map((place, i) => ({ place, verdict: combine(perArea.map((verdicts) => verdicts[i]!), place) })).filter((x) => x.verdict.evaluable);
  if (judged.length === 0) return { evaluable: false };
  const whole = (v: AreaVerdict) => v.evaluable && v.targets.all;
  if (judged.length === places.length && judged.every((x) => whole(x.verdict))) return { evaluable: true, targets: { all: true, hamlets: [] } };
  const hamlets = judged.flatMap(({ place, verdict }) => (whole(verdict) ? place.hamlets.map((h) => h.code) : verdict.evaluable ? verdict.targets.hamlets : []));
  // nothing found while a commune could not be judged: it may be that commune's, an operator decides
  if (hamlets.length === 0 && judged.length < places.length) return { evaluable: false };
  return { evaluable: true, targets: { all: false, hamlets: [...new Set(hamlets)] } };
}
