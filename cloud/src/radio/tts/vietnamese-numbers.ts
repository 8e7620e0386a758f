const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;

const digit = (d: number) => DIGITS[d]!;

/** 0–999. A group that is not the first of the number keeps its hundreds: 1005 is "một nghìn không trăm linh năm". */
function readGroup(n: number, first: boolean): string[] {
  const hundreds = Math.floor(n / 100);
  const tens = Math.floor(n / 10) % 10;
  const units = n % 10;
  const words: string[] = [];
  const saidHundreds = hundreds > 0 || !first;
  if (saidHundreds) words.push(digit(hundreds), 'trăm');
  if (tens === 0) {
    if (units > 0) words.push(...(saidHundreds ? ['linh', digit(units)] : [digit(units)]));
  } else if (tens === 1) {
    words.push('mười');
    if (units > 0) words.push(units === 5 ? 'lăm' : digit(units));
  } else {
    words.push(digit(tens), 'mươi');
    if (units > 0) words.push(units === 1 ? 'mốt' : units === 5 ? 'lăm' : digit(units));
  }
  return words;
}

/** Below one billion, by groups of three digits; groups that are all zero are not read. */
function readBelowBillion(n: number, first: boolean): string[] {
  const groups: [number, string | null][] = [
    [Math.floor(n / 1_000_000), 'triệu'],
    [Math.floor(n / 1000) % 1000, 'nghìn'],
    [n % 1000, null],
  ];
  const words: string[] = [];
  for (const [value, scale] of groups) {
    if (value === 0) continue;
    words.push(...readGroup(value, first && words.length === 0));
    if (scale) words.push(scale);
  }
  return words;
}

function read(n: number, first: boolean): string[] {
  if (n < 1_000_000_000) return readBelowBillion(n, first);
  const rest = n % 1_000_000_000;
  const head = [...read(Math.floor(n / 1_000_000_000), first), 'tỷ'];
  return rest === 0 ? head : [...head, ...readBelowBillion(rest, false)];
}

/** Reads a whole number the way a Vietnamese announcer does: 21 "hai mươi mốt", 15 "mười lăm", 105 "một trăm linh năm". */
export function integerToVietnamese(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot read ${n} as a whole number`);
  return n === 0 ? 'không' : read(n, true).join(' ');
}

/** Digit by digit, as phone numbers and codes are read. */
export function digitsToVietnamese(digits: string): string {
  return [...digits].filter((c) => c >= '0' && c <= '9').map((c) => digit(Number(c))).join(' ');
}

/** The part after the decimal comma: leading zeros one by one, then the rest as a number ("3,05" → "ba phẩy không năm"). */
export function fractionToVietnamese(digits: string): string {
  const zeros = digits.length - digits.replace(/^0+/, '').length;
  const rest = digits.slice(zeros);
  const words = Array<string>(zeros).fill('không');
  if (rest) words.push(rest.length <= 3 ? integerToVietnamese(Number(rest)) : digitsToVietnamese(rest));
  return words.join(' ');
}

const MONTHS = ['một', 'hai', 'ba', 'tư', 'năm', 'sáu', 'bảy', 'tám', 'chín', 'mười', 'mười một', 'mười hai'];

/** April is "tháng tư", never "tháng bốn". */
export const monthToVietnamese = (month: number) => MONTHS[month - 1]!;

/** Days 1–10 take "mùng": "ngày mùng năm tháng sáu". */
export const dayToVietnamese = (day: number) => (day <= 10 ? `mùng ${integerToVietnamese(day)}` : integerToVietnamese(day));
