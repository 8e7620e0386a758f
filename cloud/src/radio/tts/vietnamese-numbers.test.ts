import { describe, expect, it } from 'vitest';
import { dayToVietnamese, digitsToVietnamese, fractionToVietnamese, integerToVietnamese, monthToVietnamese } from './vietnamese-numbers.js';

describe('integerToVietnamese', () => {
  it.each([
    [0, 'không'],
    [5, 'năm'],
    [10, 'mười'],
    [11, 'mười một'],
    [14, 'mười bốn'],
    [15, 'mười lăm'],
    [20, 'hai mươi'],
    [21, 'hai mươi mốt'],
    [25, 'hai mươi lăm'],
    [31, 'ba mươi mốt'],
    [100, 'một trăm'],
    [101, 'một trăm linh một'],
    [105, 'một trăm linh năm'],
    [110, 'một trăm mười'],
    [115, 'một trăm mười lăm'],
    [1000, 'một nghìn'],
    [1005, 'một nghìn không trăm linh năm'],
    [1050, 'một nghìn không trăm năm mươi'],
    [2026, 'hai nghìn không trăm hai mươi sáu'],
    [12_345, 'mười hai nghìn ba trăm bốn mươi lăm'],
    [1_000_000, 'một triệu'],
    [1_000_005, 'một triệu không trăm linh năm'],
    [2_500_000, 'hai triệu năm trăm nghìn'],
    [1_000_000_000, 'một tỷ'],
    [1_500_000_000_000, 'một nghìn năm trăm tỷ'],
  ])('%i is "%s"', (n, words) => {
    expect(integerToVietnamese(n)).toBe(words);
  });

  it('refuses what is not a whole number', () => {
    expect(() => integerToVietnamese(1.5)).toThrow(RangeError);
    expect(() => integerToVietnamese(-1)).toThrow(RangeError);
  });
});

describe('digits, fractions, days and months', () => {
  it('reads digits one by one', () => {
    expect(digitsToVietnamese('0912')).toBe('không chín một hai');
  });

  it('reads the part after the decimal comma with its leading zeros', () => {
    expect(fractionToVietnamese('5')).toBe('năm');
    expect(fractionToVietnamese('05')).toBe('không năm');
    expect(fractionToVietnamese('75')).toBe('bảy mươi lăm');
  });

  it('says "mùng" for the first ten days and "tư" for April', () => {
    expect(dayToVietnamese(5)).toBe('mùng năm');
    expect(dayToVietnamese(10)).toBe('mùng mười');
    expect(dayToVietnamese(21)).toBe('hai mươi mốt');
    expect(monthToVietnamese(4)).toBe('tư');
    expect(monthToVietnamese(11)).toBe('mười một');
  });
});
