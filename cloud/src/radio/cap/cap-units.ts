/**
 * The administrative units a CAP `areaDesc` names (xã, huyện, tỉnh …), and whether they are a
 * given commune's (issue 10: several communes in one deployment, whose names repeat across
 * districts). Kept apart from cap-areas.ts, which weighs these with shapes, codes and hamlets.
 */

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

/**
 * Words of Vietnamese administrative units, read with their diacritics ("xã", not the "Xà" of kênh
 * Xà No), and their usual abbreviations (TP., TX., TT.). Longer words first, so "thị xã" is not read as "xã".
 */
const UNIT_WORDS = /(?<![\p{L}\p{N}])(thị trấn|thị xã|thành phố|xã|phường|huyện|quận|tỉnh|tp|tx|tt)(?:\.\s*|\s+)/gu;
const CANONICAL: Record<string, string> = { tp: 'thanh pho', tx: 'thi xa', tt: 'thi tran' };
const COMMUNE_WORDS = new Set(['xa', 'phuong', 'thi tran']);

/** One unit word and the names it governs: `xã Vị Tân, Vị Đông` → word `xa`, names `vi tan`, `vi dong`. */
export interface UnitMention {
  word: string;
  names: string[];
}

/**
 * The unit words of a text with their names, folded. A word governs the names up to the next unit
 * word, separated by commas, "và", "and", or brackets; "thuộc" ("xã Vị Tân thuộc thành phố …") ends a name.
 */
export function unitMentions(text: string): UnitMention[] {
  const lower = text.normalize('NFC').toLowerCase();
  const starts = [...lower.matchAll(UNIT_WORDS)].map((m) => ({ word: foldVietnamese(m[1]!), from: m.index + m[0].length, wordAt: m.index }));
  return starts.map(({ word, from }, i) => ({
    word: CANONICAL[word] ?? word,
    names: lower
      .slice(from, starts[i + 1]?.wordAt)
      .split(/[,;()]| và | and | thuộc | of /)
      .map(foldVietnamese)
      .filter(Boolean),
  }));
}

/** A unit as the commune records it: "Thành phố Vị Thanh" → word `thanh pho`, name `vi thanh`; no word when none is written. */
export interface Unit {
  word: string | null;
  name: string;
}

export function unitOf(written: string): Unit {
  const [mention] = unitMentions(written);
  return mention?.names[0] ? { word: mention.word, name: mention.names[0] } : { word: null, name: foldVietnamese(written) };
}

/** Does the mention name the unit (the same name, and the same kind of unit when the unit's is known: thị xã Long Mỹ is not huyện Long Mỹ)? */
const names = (m: UnitMention, unit: Unit) => unit.name !== '' && m.names.includes(unit.name) && (unit.word === null || unit.word === m.word);

/** The commune as names are compared with: its own unit, its district's, its province's. */
export interface NamedCommune {
  commune: Unit;
  district: Unit;
  province: Unit;
  /** Another commune of the deployment has the same name (in another district): the name alone does not tell them apart. */
  nameShared: boolean;
}

export type Standing = 'ours' | 'elsewhere' | 'unsure';

/**
 * Whether the units an area names are the commune's (strict, issue 10):
 * - a commune-level area (xã, phường, thị trấn) is ours only by our exact name AND, when it names a
 *   district or province, ours; named alone, it is ours only while no other commune of the
 *   deployment bears the name (unsure otherwise: an operator decides);
 * - a district-level area (huyện, quận, thị xã, thành phố) without a commune is every commune of
 *   that district (of that province, when one is named); the district's name inside a commune-level
 *   area does not widen it;
 * - a province-level area (tỉnh, or the province's own "thành phố") without commune or district is
 *   every commune of the province.
 * Null: the area names no unit.
 */
export function standingByNames(mentions: readonly UnitMention[], ours: NamedCommune): Standing | null {
  const isProvince = (m: UnitMention) => m.word === 'tinh' || (m.word === 'thanh pho' && ours.province.word === 'thanh pho' && names(m, ours.province));
  const communes = mentions.filter((m) => COMMUNE_WORDS.has(m.word));
  const provinces = mentions.filter(isProvince);
  const districts = mentions.filter((m) => !COMMUNE_WORDS.has(m.word) && !isProvince(m));
  const provinceOk = provinces.length === 0 || provinces.some((m) => names(m, ours.province));
  const districtOk = districts.length === 0 || districts.some((m) => names(m, ours.district));
  if (communes.length) {
    if (!communes.some((m) => names(m, ours.commune))) return 'elsewhere';
    if (districts.length || provinces.length) return districtOk && provinceOk ? 'ours' : 'elsewhere';
    return ours.nameShared ? 'unsure' : 'ours';
  }
  if (districts.length) return districts.some((m) => names(m, ours.district)) && provinceOk ? 'ours' : 'elsewhere';
  if (provinces.length) return provinceOk ? 'ours' : 'elsewhere';
  return null;
}
