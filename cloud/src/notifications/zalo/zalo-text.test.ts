import { describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { foldName, hamletNamed, hamletsNamed, isUnsubscribe } from './zalo-followers.js';
import { communeTime, messageText } from './zalo-notices.js';
import { webhookSignature, webhookSignatureValid } from './zalo-wire.js';

describe('what citizens write to the OA', () => {
  const hamlets = VI_TAN.hamlets;

  it('names a hamlet by its name or code, in any case, with or without diacritics, spaces or the word "ấp"', () => {
    for (const text of ['Ấp 2A', 'ấp 2a', 'AP 2A', 'ap-2a', 'ap2a', '2a', ' Ấp  2A '.normalize('NFD')]) expect(hamletNamed(text, hamlets)?.code, text).toBe('ap-2a');
    expect(hamletNamed('Ấp 2', hamlets)?.code).toBe('ap-2');
    expect(hamletNamed('Ấp 8', hamlets)).toBeNull();
    expect(hamletNamed('xin chào', hamlets)).toBeNull();
    expect(hamletNamed('', hamlets)).toBeNull();
  });

  it("names every hamlet of that name across communes, unless a code is written exactly as it is", () => {
    const province = [...hamlets, { code: 'vt-1', name: 'Ấp 1' }, { code: 'vt-2a', name: 'Ấp 2A' }];
    expect(hamletsNamed('Ấp 1', province).map((h) => h.code)).toEqual(['ap-1', 'vt-1']);
    expect(hamletNamed('Ấp 1', province)).toBeNull();
    expect(hamletsNamed('2a', province).map((h) => h.code)).toEqual(['ap-2a', 'vt-2a']);
    expect(hamletsNamed(' VT-1 ', province).map((h) => h.code)).toEqual(['vt-1']);
    expect(hamletsNamed('ap-1', province).map((h) => h.code)).toEqual(['ap-1']);
  });

  it('unsubscribes with HỦY in any spelling, and only then', () => {
    expect(['HỦY', 'hủy', 'Huỷ', 'huy', 'Hủy đăng ký', 'STOP'].every(isUnsubscribe)).toBe(true);
    expect(isUnsubscribe('Ấp 1')).toBe(false);
    expect(foldName('Đường Đá')).toBe('duongda');
  });
});

describe('the message text', () => {
  it('keeps the link whole when the body is too long for Zalo (2,000 characters)', () => {
    const text = messageText({ title: 'Thông báo', body: 'x'.repeat(5000), path: '/thong-bao#b1' }, 'https://xa.example/');
    expect(text.length).toBe(2000);
    expect(text.endsWith('\nNghe và xem chi tiết: https://xa.example/thong-bao#b1')).toBe(true);
    expect(messageText({ title: 'A', body: 'B', path: '' }, 'https://xa.example')).toBe('A\nB');
  });

  it("writes times in the commune's zone", () => {
    expect(communeTime(Date.UTC(2026, 11, 31, 17, 5))).toBe('00:05 01/01/2027');
  });
});

describe('the webhook signature', () => {
  it('is mac= sha256(app id + body + timestamp + OA secret key), checked with or without the prefix', () => {
    const mac = webhookSignature('123', '{"a":1}', '1700000000000', 'secret');
    expect(mac).toMatch(/^mac=[0-9a-f]{64}$/);
    expect(webhookSignatureValid(mac, '123', '{"a":1}', '1700000000000', 'secret')).toBe(true);
    expect(webhookSignatureValid(mac.slice(4).toUpperCase(), '123', '{"a":1}', '1700000000000', 'secret')).toBe(true);
    expect(webhookSignatureValid(mac, '123', '{"a":2}', '1700000000000', 'secret')).toBe(false);
    expect(webhookSignatureValid(mac, '123', '{"a":1}', '1700000000001', 'secret')).toBe(false);
    expect(webhookSignatureValid(undefined, '123', '{"a":1}', '1700000000000', 'secret')).toBe(false);
    expect(webhookSignatureValid('mac=short', '123', '{"a":1}', '1700000000000', 'secret')).toBe(false);
  });
});
