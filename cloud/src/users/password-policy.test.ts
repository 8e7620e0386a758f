import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS_FILE, passwordWeakness, weakPasswordError } from './password-policy.js';

describe('password policy', () => {
  it.each([
    ['12345678', 'common'],
    ['password', 'common'],
    ['PassWord', 'common'],
    ['iloveyou', 'common'],
    ['anhyeuem', 'common'],
    ['aaaaaaaa', 'repeated'],
    ['police-1', 'username'],
    ['POLICE-1', 'username'],
    ['zzzzzzzzzz', 'repeated'],
    ['ééééééééé', 'repeated'],
    ['abababab', 'repeated'],
    ['abcabcabca', 'repeated'],
    ['12121212', 'repeated'],
    ['bcdefghij', 'sequence'],
    ['87654321', 'sequence'],
    ['34567890', 'sequence'],
    ['90123456', 'sequence'],
    ['ertyuiopa', 'sequence'],
    ['lkjhgfdsa', 'sequence'],
    ['2wsx3edc4rfv', 'sequence'],
    ['1qaz2wsx3edc', 'common'],
  ])('refuses %s (%s)', (password, reason) => {
    expect(passwordWeakness(password, 'police-1')).toBe(reason);
  });

  it.each(['password-of-police', 'mật-khẩu-dài', 'ngựa ô chạy qua cầu tre', 'abcdefgh1', 'police-1-mat-khau', 'Tr0ub4dor&3'])('accepts %s', (password) => {
    expect(passwordWeakness(password, 'police-1')).toBeNull();
  });

  it('reads the kept list, one password a line, # for comments', () => {
    const list = readFileSync(COMMON_PASSWORDS_FILE, 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
    // the 10,000 most common, less those under the 8 characters the schemas refuse anyway
    expect(list.length).toBeGreaterThanOrEqual(3000);
    expect(passwordWeakness('# Common passwords refused by the cloud', 'someone')).toBeNull();
    for (const password of list) expect(passwordWeakness(password, 'someone'), password).toBe('common');
  });

  it('explains the refusal in Vietnamese and English, naming the field and the reason', () => {
    const error = weakPasswordError('sequence', 'newPassword');
    expect(error.status).toBe(400);
    expect(error.code).toBe('weak_password');
    expect(error.message).toBe('Mật khẩu là một dãy ký tự liên tiếp dễ đoán (như 12345678, abcdefgh, qwertyui). / The password is an easy sequence (like 12345678, abcdefgh, qwertyui).');
    expect(error.details).toEqual([{ path: 'newPassword', reason: 'sequence', message: 'The password is an easy sequence (like 12345678, abcdefgh, qwertyui).' }]);
  });
});
