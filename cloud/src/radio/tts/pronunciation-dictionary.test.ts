import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PronunciationDictionary } from './pronunciation-dictionary.js';
import { SpeechRejected } from './tts-errors.js';

describe('PronunciationDictionary', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-dictionary-'));
    file = join(dir, 'tts', 'pronunciation.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const expansionOf = (dictionary: PronunciationDictionary, abbreviation: string) => dictionary.entries().find((e) => e.abbreviation === abbreviation);

  it('starts from the defaults when there is no file', () => {
    const dictionary = PronunciationDictionary.load(file);
    expect(expansionOf(dictionary, 'UBND')).toEqual({ abbreviation: 'UBND', expansion: 'Ủy ban nhân dân', source: 'default' });
    expect(expansionOf(dictionary, 'PCCC')?.expansion).toBe('phòng cháy chữa cháy');
  });

  it('keeps additions, changes and deletions across save and load', () => {
    const dictionary = PronunciationDictionary.load(file);
    expect(dictionary.set('  ĐHĐ ', ' đại hội   đảng ')).toEqual({ abbreviation: 'ĐHĐ', expansion: 'đại hội đảng', source: 'custom' });
    dictionary.set('NTM', 'nông thôn mới nâng cao');
    expect(dictionary.delete('PCCC')).toBe(true);
    expect(dictionary.delete('KHÔNGCÓ')).toBe(false);
    dictionary.save();

    const reloaded = PronunciationDictionary.load(file);
    expect(expansionOf(reloaded, 'ĐHĐ')).toEqual({ abbreviation: 'ĐHĐ', expansion: 'đại hội đảng', source: 'custom' });
    expect(expansionOf(reloaded, 'NTM')).toEqual({ abbreviation: 'NTM', expansion: 'nông thôn mới nâng cao', source: 'custom' });
    expect(expansionOf(reloaded, 'PCCC')).toBeUndefined();
    expect(expansionOf(reloaded, 'UBND')?.source).toBe('default');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ custom: { ĐHĐ: 'đại hội đảng', NTM: 'nông thôn mới nâng cao' }, removed: ['PCCC'] });
  });

  it('brings a deleted default back when it is set again, and stores nothing for a default value', () => {
    const dictionary = PronunciationDictionary.load(file);
    dictionary.delete('PCCC');
    expect(dictionary.set('PCCC', 'phòng cháy chữa cháy').source).toBe('default');
    dictionary.save();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ custom: {}, removed: [] });
  });

  it('refuses entries that cannot be matched or read', () => {
    const dictionary = PronunciationDictionary.load(file);
    for (const [abbreviation, expansion] of [['', 'x'], ['HAI TỪ', 'x'], ['123', 'x'], ['ABC', '  ']]) {
      expect(() => dictionary.set(abbreviation!, expansion!)).toThrow(SpeechRejected);
    }
  });

  it('refuses to start from a damaged file instead of losing the operator’s entries', () => {
    writeFileSync(join(dir, 'broken.json'), '{"custom": ');
    expect(() => PronunciationDictionary.load(join(dir, 'broken.json'))).toThrow(/pronunciation dictionary .*broken\.json is damaged/);
  });
});
