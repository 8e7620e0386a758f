import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeVietnamese } from './normalize-vietnamese.js';
import { PronunciationDictionary } from './pronunciation-dictionary.js';

describe('normalizeVietnamese', () => {
  let dir: string;
  let dictionary: PronunciationDictionary;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-normalize-'));
    dictionary = PronunciationDictionary.load(join(dir, 'pronunciation.json'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const say = (text: string) => normalizeVietnamese(text, dictionary);

  it('reads the sample bulletin as an announcer would', () => {
    expect(say('UBND xã Vị Tân thông báo: ngày 28/11/2026 lúc 17:00 tổ chức họp dân tại nhà văn hoá ấp 2A.')).toBe(
      'Ủy ban nhân dân xã Vị Tân thông báo: ngày hai mươi tám tháng mười một năm hai nghìn không trăm hai mươi sáu lúc mười bảy giờ tổ chức họp dân tại nhà văn hoá ấp hai A.',
    );
  });

  describe('abbreviations', () => {
    it('expands the usual ones', () => {
      expect(say('HĐND, NTM, ATTT, ANTT, PCCC, BHYT, THCS, THPT, CSGT')).toBe(
        'Hội đồng nhân dân, nông thôn mới, an toàn thông tin, an ninh trật tự, phòng cháy chữa cháy, bảo hiểm y tế, trung học cơ sở, trung học phổ thông, cảnh sát giao thông',
      );
    });

    it('matches whole words only, and all-caps ones only in capitals', () => {
      expect(say('UBNDX ubnd Ubnd')).toBe('UBNDX ubnd Ubnd');
      expect(say('(UBND)')).toBe('(Ủy ban nhân dân)');
    });

    it('matches a lower-case entry with a capital first letter too, and the longest entry first', () => {
      expect(say('Đ/c Lan và đ/c Minh')).toBe('Đồng chí Lan và đồng chí Minh');
      expect(say('gió 60 km/h')).toBe('gió sáu mươi ki lô mét một giờ');
    });

    it('finds text typed in decomposed Unicode', () => {
      expect(say('HĐND'.normalize('NFD'))).toBe('Hội đồng nhân dân');
    });

    it('follows the operator’s dictionary', () => {
      dictionary.set('UBND', 'Ủy ban');
      dictionary.set('ĐHĐ', 'đại hội đảng');
      dictionary.delete('NTM');
      expect(say('UBND, ĐHĐ, NTM')).toBe('Ủy ban, đại hội đảng, NTM');
    });
  });

  describe('dates and times', () => {
    it.each([
      ['ngày 28/11/2026', 'ngày hai mươi tám tháng mười một năm hai nghìn không trăm hai mươi sáu'],
      ['28-11-2026', 'ngày hai mươi tám tháng mười một năm hai nghìn không trăm hai mươi sáu'],
      ['Ngày 05.10.2026', 'Ngày mùng năm tháng mười năm hai nghìn không trăm hai mươi sáu'],
      ['hạn chót 5/6', 'hạn chót ngày mùng năm tháng sáu'],
      ['từ 28/11 - 30/11', 'từ ngày hai mươi tám tháng mười một đến ngày ba mươi tháng mười một'],
      ['tháng 4/2026', 'tháng tư năm hai nghìn không trăm hai mươi sáu'],
      ['Tháng 4, tháng 12', 'Tháng tư, tháng mười hai'],
      ['32/13/2026', 'ba mươi hai/mười ba/hai nghìn không trăm hai mươi sáu'],
    ])('"%s" → "%s"', (text, spoken) => {
      expect(say(text)).toBe(spoken);
    });

    it.each([
      ['05:30', 'năm giờ ba mươi phút'],
      ['5h30', 'năm giờ ba mươi phút'],
      ['17 giờ', 'mười bảy giờ'],
      ['17h', 'mười bảy giờ'],
      ['17:05', 'mười bảy giờ năm phút'],
      ['08:00:15', 'tám giờ mười lăm giây'],
      ['7h-9h', 'bảy giờ đến chín giờ'],
      ['5 ha', 'năm héc ta'],
    ])('"%s" → "%s"', (text, spoken) => {
      expect(say(text)).toBe(spoken);
    });
  });

  describe('numbers', () => {
    it.each([
      ['21 hộ', 'hai mươi mốt hộ'],
      ['15 người', 'mười lăm người'],
      ['105 hộ', 'một trăm linh năm hộ'],
      ['1000 cây', 'một nghìn cây'],
      ['1.000.000 đồng', 'một triệu đồng'],
      ['2,5 km', 'hai phẩy năm ki lô mét'],
      ['đạt 15%', 'đạt mười lăm phần trăm'],
      ['tăng 2,5 %', 'tăng hai phẩy năm phần trăm'],
      ['20–25%', 'hai mươi đến hai mươi lăm phần trăm'],
      ['thứ 4 và thứ 7', 'thứ tư và thứ bảy'],
      ['lần thứ 1', 'lần thứ nhất'],
    ])('"%s" → "%s"', (text, spoken) => {
      expect(say(text)).toBe(spoken);
    });
  });

  describe('phone numbers', () => {
    it.each([
      ['0912345678', 'không chín một hai, ba bốn năm, sáu bảy tám'],
      ['0912 345 678', 'không chín một hai, ba bốn năm, sáu bảy tám'],
      ['0272.3456.789', 'không hai bảy hai, ba bốn năm sáu, bảy tám chín'],
      ['+84 912 345 678', 'cộng tám bốn, chín một hai, ba bốn năm, sáu bảy tám'],
      ['gọi 114', 'gọi một một bốn'],
      ['đường dây nóng 1900 1234', 'đường dây nóng một chín không không, một hai ba bốn'],
      ['SĐT: 0912345678 (12 người)', 'số điện thoại: không chín một hai, ba bốn năm, sáu bảy tám (mười hai người)'],
    ])('"%s" → "%s"', (text, spoken) => {
      expect(say(text)).toBe(spoken);
    });

    it('leaves numbers that are not phone numbers to be read as numbers', () => {
      expect(say('có 114 hộ')).toBe('có một trăm mười bốn hộ');
      expect(say('Quyết định số 114')).toBe('Quyết định số một trăm mười bốn');
      expect(say('Gọi ngay số 115, hotline: 113')).toBe('Gọi ngay số một một năm, hotline: một một ba');
      expect(say('mã 0123')).toBe('mã không một hai ba');
    });
  });
});
