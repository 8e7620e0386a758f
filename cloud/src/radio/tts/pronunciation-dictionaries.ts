import { join } from 'node:path';
import { PronunciationDictionary } from './pronunciation-dictionary.js';

/** A commune code as a file name: the codes are letters, digits, "-" and "_" (anything else is refused, never a path). */
const SAFE_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * The province's pronunciation dictionary (`tts/pronunciation.json`, as before issue 10) and one
 * layer per commune above it (`tts/communes/<code>.json`): the entries a commune adds or changes read
 * its own bulletins only; the province's changes reach every commune that did not change the word.
 */
export class PronunciationDictionaries {
  readonly province: PronunciationDictionary;
  private readonly communes = new Map<string, PronunciationDictionary>();

  constructor(private readonly dir: string) {
    this.province = PronunciationDictionary.load(join(dir, 'pronunciation.json'));
  }

  /** The dictionary speech for this commune reads (null: the province's own items). */
  of(communeCode: string | null): PronunciationDictionary {
    if (communeCode === null) return this.province;
    if (!SAFE_CODE.test(communeCode)) throw new Error(`commune code "${communeCode}" cannot name a dictionary file`);
    let dictionary = this.communes.get(communeCode);
    if (!dictionary) {
      dictionary = PronunciationDictionary.load(join(this.dir, 'communes', `${communeCode}.json`), this.province);
      this.communes.set(communeCode, dictionary);
    }
    return dictionary;
  }
}
