import type { CapArea } from './cap-parser.js';

export interface CapHamlet {
  code: string;
  name: string;
}

export type CapTargets = { all: true; hamlets: [] } | { all: false; hamlets: string[] };

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
 * Which hamlets the alert's areas name, matched by code or name whatever the case and diacritics
 * (areaDesc and geocode values alike). An area naming hamlets targets those (`Ấp 2, xã Vị Tân` is
 * Ấp 2); an area naming only the commune, or nothing recognised, targets the whole commune, since
 * an emergency must rather reach too many loudspeakers than too few. No area at all: the whole commune.
 */
export function capTargets(areas: readonly CapArea[], hamlets: readonly CapHamlet[]): CapTargets {
  const named = new Set<string>();
  for (const area of areas) {
    const text = expandHamletLists(foldVietnamese([area.areaDesc, ...area.geocodes.map((g) => g.value)].join(' ')));
    const inArea = hamlets.filter((h) => containsPhrase(text, foldVietnamese(h.code)) || containsPhrase(text, foldVietnamese(h.name)));
    if (inArea.length === 0) return { all: true, hamlets: [] };
    for (const h of inArea) named.add(h.code);
  }
  if (named.size === 0) return { all: true, hamlets: [] };
  return { all: false, hamlets: hamlets.map((h) => h.code).filter((c) => named.has(c)) };
}
