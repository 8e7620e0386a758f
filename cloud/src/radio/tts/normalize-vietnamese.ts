import type { PronunciationDictionary, PronunciationEntry } from './pronunciation-dictionary.js';
import { dayToVietnamese, digitsToVietnamese, fractionToVietnamese, integerToVietnamese, monthToVietnamese } from './vietnamese-numbers.js';

const LETTER = /[\p{L}\p{M}]/u;
const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Whole words only, case-sensitive; an entry written in lower case also matches with a capital first
 * letter (sentence start), so "đ/c" covers "Đ/c" but "UBND" never matches "ubnd".
 */
function expandAbbreviations(text: string, entries: readonly PronunciationEntry[]): string {
  const table = new Map<string, string>();
  for (const { abbreviation, expansion } of entries) table.set(abbreviation, expansion);
  for (const { abbreviation, expansion } of entries) {
    const capitalised = capitalise(abbreviation);
    if (capitalised !== abbreviation && !table.has(capitalised)) table.set(capitalised, capitalise(expansion));
  }
  if (table.size === 0) return text;
  const alternatives = [...table.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(?<![\\p{L}\\p{M}])(?:${alternatives.join('|')})(?![\\p{L}\\p{M}])`, 'gu');
  return text.replace(pattern, (match) => table.get(match)!);
}

/** Police 113, fire 114, ambulance 115 … are said digit by digit after "gọi", "đường dây nóng"… ("văn bản số 114" is a number). */
function readEmergencyNumbers(text: string): string {
  return text.replace(
    /(?<![\p{L}\p{M}])(gọi|điện thoại|đường dây nóng|tổng đài|hotline)(:?\s+(?:(?:ngay|đến|tới|số)\s+){0,2})(11[1-5])(?!\d)/giu,
    (_, word: string, gap: string, digits: string) => `${word}${gap}${digitsToVietnamese(digits)}`,
  );
}

/** Reads the groups the writer made, or the usual 4-3-3 grouping, with a pause between groups. */
function readPhoneGroups(groups: string[]): string {
  const digits = groups.join('');
  const spoken = groups.length > 1 ? groups : digits.length === 9 ? [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)] : [digits.slice(0, 4), digits.slice(4, 7), digits.slice(7)];
  return spoken.filter(Boolean).map(digitsToVietnamese).join(', ');
}

/** A phone number has 10 or 11 digits with its leading 0, or 9 or 10 after +84. */
const PHONE = /(?<![\d.,+])(\+84[ .-]?|0)(\d{1,4}(?:[ .-]?\d{2,4}){0,3})(?!\d)/g;

/** Mobile and landline numbers and 1800/1900 hotlines, read digit by digit. */
function readPhoneNumbers(text: string): string {
  const phones = text.replace(PHONE, (match, prefix: string, body: string) => {
    const parts = body.split(/(?=[ .-])/);
    // the pattern may have swallowed a number written after the phone number: keep the longest run of groups that fits
    for (let count = parts.length; count > 0; count--) {
      const groups = parts.slice(0, count).map((part) => part.replace(/^[ .-]/, ''));
      const digits = groups.join('').length;
      if (digits !== 9 && digits !== 10) continue;
      const spoken = prefix === '0' ? readPhoneGroups([`0${groups[0]}`, ...groups.slice(1)]) : `cộng tám bốn, ${readPhoneGroups(groups)}`;
      return spoken + parts.slice(count).join('');
    }
    return match;
  });
  return phones.replace(/(?<![\d.,])(1[89]00)[ .]?(\d{4}|\d{3}[ .]?\d{3})(?!\d)/g, (_, head: string, tail: string) => readPhoneGroups([head, ...tail.split(/[ .]/)]));
}

const validDate = (day: number, month: number) => day >= 1 && day <= 31 && month >= 1 && month <= 12;
const spokenDate = (word: string | undefined, day: number, month: number) => `${word ?? 'ngày'} ${dayToVietnamese(day)} tháng ${monthToVietnamese(month)}`;

/** 28/11/2026, 28-11-2026 and 28.11.2026, with or without "ngày" before them. */
function readFullDates(text: string): string {
  return text.replace(/(?:(ngày)\s+)?(?<![\d/.,])(\d{1,2})([/.-])(\d{1,2})\3(\d{4})(?!\d)/giu, (match, word: string | undefined, d: string, _sep, m: string, y: string) =>
    validDate(Number(d), Number(m)) ? `${spokenDate(word, Number(d), Number(m))} năm ${integerToVietnamese(Number(y))}` : match,
  );
}

/** 28/11 (day and month), tháng 11/2026, tháng 4. */
function readPartialDates(text: string): string {
  return text
    .replace(/(?:(ngày)\s+)?(?<![\d/.,])(\d{1,2})\/(\d{1,2})(?![\d/])/giu, (match, word: string | undefined, d: string, m: string) =>
      validDate(Number(d), Number(m)) ? spokenDate(word, Number(d), Number(m)) : match,
    )
    .replace(/(tháng)\s+(\d{1,2})(?:[/.-](\d{4}))?(?!\d|[/.,:]\d)/giu, (match, word: string, m: string, y: string | undefined) => {
      const month = Number(m);
      if (month < 1 || month > 12) return match;
      return `${word} ${monthToVietnamese(month)}${y ? ` năm ${integerToVietnamese(Number(y))}` : ''}`;
    });
}

/** "7h-9h", "28/11 - 30/11", "20–25%": a dash between numbers is read "đến". */
const readRanges = (text: string) => text.replace(/(?<=\d[hH%]?)\s*[-–]\s*(?=\d)/g, ' đến ');

function spokenTime(h: string, m: string | undefined, s?: string): string | null {
  const [hours, minutes, seconds] = [Number(h), Number(m ?? 0), Number(s ?? 0)];
  if (hours > 24 || minutes > 59 || seconds > 59) return null;
  const words = [`${integerToVietnamese(hours)} giờ`];
  if (minutes > 0) words.push(`${integerToVietnamese(minutes)} phút`);
  if (seconds > 0) words.push(`${integerToVietnamese(seconds)} giây`);
  return words.join(' ');
}

/** 05:30, 17:00:15, 5h30, 17h. ("17 giờ" needs nothing more than the number.) */
function readTimes(text: string): string {
  return text
    .replace(/(?<![\d.,:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])/g, (match, h: string, m: string, s: string | undefined) => spokenTime(h, m, s) ?? match)
    .replace(/(?<![\d.,:])(\d{1,2})\s?[hH](?:(\d{2})['’]?)?(?![\p{L}\p{M}\d])/gu, (match, h: string, m: string | undefined) => spokenTime(h, m) ?? match);
}

/** "thứ 1" is "thứ nhất" and "thứ 4" (Wednesday, fourth) is "thứ tư". */
const readOrdinals = (text: string) =>
  text.replace(/(thứ)\s+([14])(?!\d|[.,]\d)/giu, (_, word: string, n: string) => `${word} ${n === '1' ? 'nhất' : 'tư'}`);

function spokenNumber(integer: string): string {
  const digits = integer.replace(/\./g, '');
  if (digits.length > 15 || (digits.length >= 4 && digits.startsWith('0') && !integer.includes('.'))) return digitsToVietnamese(digits);
  return integerToVietnamese(Number(digits));
}

/** Everything else numeric: 1.000.000 (dots group thousands), 2,5 (comma is the decimal mark), 15%. */
function readNumbers(text: string): string {
  return text.replace(/(\d{1,3}(?:\.\d{3})+(?!\d)|\d+)(?:,(\d+))?(\s*%)?/g, (match, integer: string, fraction: string | undefined, percent: string | undefined, offset: number) => {
    let words = spokenNumber(integer);
    if (fraction) words += ` phẩy ${fractionToVietnamese(fraction)}`;
    if (percent) words += ' phần trăm';
    const before = text.charAt(offset - 1);
    const after = text.charAt(offset + match.length);
    return `${LETTER.test(before) ? ' ' : ''}${words}${LETTER.test(after) ? ' ' : ''}`;
  });
}

/** Turns a bulletin into the words an announcer would say: abbreviations, phone numbers, dates, times, numbers. */
export function normalizeVietnamese(text: string, dictionary: PronunciationDictionary): string {
  let spoken = expandAbbreviations(text.normalize('NFC'), dictionary.entries());
  for (const step of [readEmergencyNumbers, readPhoneNumbers, readFullDates, readRanges, readPartialDates, readTimes, readOrdinals, readNumbers]) {
    spoken = step(spoken);
  }
  return spoken.replace(/[^\S\n]+/g, ' ').trim();
}
