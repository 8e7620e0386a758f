import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { PRIVATE_DIR, PRIVATE_FILE } from '../../private-files.js';
import { DEFAULT_ABBREVIATIONS } from './default-abbreviations.js';
import { SpeechRejected } from './tts-errors.js';

export interface PronunciationEntry {
  abbreviation: string;
  expansion: string;
  /**
   * 'default' as shipped, 'custom' when the province's (or a single commune's admin) added or changed
   * it, 'commune' when a commune's people did, for their commune only (issue 10).
   */
  source: 'default' | 'custom' | 'commune';
}

/** The shipped entries, the layer every dictionary starts from. */
const SHIPPED = (): PronunciationEntry[] => Object.entries(DEFAULT_ABBREVIATIONS).map(([abbreviation, expansion]) => ({ abbreviation, expansion, source: 'default' }));

const fileSchema = z.object({
  custom: z.record(z.string(), z.string()).default({}),
  /** Shipped entries the operator deleted. */
  removed: z.array(z.string()).default([]),
});

export const MAX_ABBREVIATION = 40;
const MAX_EXPANSION = 200;

/**
 * The abbreviations read out in full before speech: the layer below (the defaults shipped in code; for
 * a commune, the province's dictionary) plus this layer's changes, which live in a JSON file
 * (`{"custom": {...}, "removed": [...]}`) so that updates of the layer below still reach them.
 */
export class PronunciationDictionary {
  private constructor(
    private readonly file: string,
    private readonly custom: Map<string, string>,
    private readonly removed: Set<string>,
    private readonly base: () => readonly PronunciationEntry[],
    private readonly layer: 'custom' | 'commune',
  ) {}

  /**
   * Reads the operator's changes; a missing file means none. A damaged file throws rather than lose
   * them. `below`: a commune's dictionary over the province's (its changes are `commune` entries).
   */
  static load(file: string, below?: PronunciationDictionary): PronunciationDictionary {
    const base = below ? () => below.entries() : SHIPPED;
    const layer = below ? 'commune' : 'custom';
    if (!existsSync(file)) return new PronunciationDictionary(file, new Map(), new Set(), base, layer);
    let parsed: z.infer<typeof fileSchema>;
    try {
      parsed = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new Error(`the pronunciation dictionary ${file} is damaged (${(err as Error).message}); repair or delete it`, { cause: err });
    }
    const custom = new Map(Object.entries(parsed.custom).map(([abbr, expansion]) => [abbr.normalize('NFC'), expansion.normalize('NFC')]));
    return new PronunciationDictionary(file, custom, new Set(parsed.removed.map((abbr) => abbr.normalize('NFC'))), base, layer);
  }

  /** Every entry in effect, sorted by abbreviation. */
  entries(): PronunciationEntry[] {
    const merged = new Map<string, PronunciationEntry>();
    for (const entry of this.base()) {
      if (!this.removed.has(entry.abbreviation)) merged.set(entry.abbreviation, entry);
    }
    for (const [abbreviation, expansion] of this.custom) merged.set(abbreviation, { abbreviation, expansion, source: this.layer });
    return [...merged.values()].sort((a, b) => a.abbreviation.localeCompare(b.abbreviation, 'vi'));
  }

  set(abbreviation: string, expansion: string): PronunciationEntry {
    const abbr = abbreviation.trim().normalize('NFC');
    const text = expansion.trim().replace(/\s+/g, ' ').normalize('NFC');
    if (!abbr || abbr.length > MAX_ABBREVIATION || /\s/.test(abbr) || !/\p{L}/u.test(abbr)) {
      throw new SpeechRejected('invalid_dictionary_entry', `an abbreviation is one word of at most ${MAX_ABBREVIATION} characters with at least one letter, not "${abbreviation}"`);
    }
    if (!text || text.length > MAX_EXPANSION) {
      throw new SpeechRejected('invalid_dictionary_entry', `write how "${abbr}" is read aloud, in at most ${MAX_EXPANSION} characters`);
    }
    this.removed.delete(abbr);
    const below = this.base().find((e) => e.abbreviation === abbr);
    if (below?.expansion === text) this.custom.delete(abbr);
    else this.custom.set(abbr, text);
    return this.custom.has(abbr) ? { abbreviation: abbr, expansion: text, source: this.layer } : below!;
  }

  /** False when there was no such entry. */
  delete(abbreviation: string): boolean {
    const abbr = abbreviation.trim().normalize('NFC');
    const existed = this.entries().some((entry) => entry.abbreviation === abbr);
    this.custom.delete(abbr);
    if (this.base().some((e) => e.abbreviation === abbr)) this.removed.add(abbr);
    return existed;
  }

  /** Writes the operator's changes atomically (a crash leaves the old file or the new one, never half of one). */
  save(): void {
    const body = { custom: Object.fromEntries([...this.custom].sort(([a], [b]) => a.localeCompare(b, 'vi'))), removed: [...this.removed].sort() };
    mkdirSync(dirname(this.file), { recursive: true, mode: PRIVATE_DIR });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: PRIVATE_FILE });
    renameSync(temp, this.file);
  }
}
