import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../http/errors.js';

/**
 * The kept list of common passwords (the 10,000 most frequent of zxcvbn's list, MIT, plus Vietnamese
 * favourites; see the file's header), one a line, compared without regard to case; lines starting
 * with # are comments. The same path from src/ and dist/ (like the console's assets).
 */
export const COMMON_PASSWORDS_FILE = fileURLToPath(new URL('../../src/users/common-passwords.txt', import.meta.url));

/** Why a password is refused though long enough. */
export type Weakness = 'common' | 'username' | 'repeated' | 'sequence';

/** Each reason in the console's languages; the API's message carries both. */
export const weaknessMessages: Record<Weakness, { vi: string; en: string }> = {
  common: {
    vi: 'Mật khẩu này nằm trong danh sách mật khẩu phổ biến mà kẻ gian thử đầu tiên. Hãy chọn mật khẩu khác.',
    en: 'This password is on the list of common passwords that attackers try first. Choose another.',
  },
  username: {
    vi: 'Mật khẩu không được trùng với tên đăng nhập.',
    en: 'The password may not be the same as the username.',
  },
  repeated: {
    vi: 'Mật khẩu chỉ lặp lại một ký tự hoặc một nhóm ký tự ngắn (như aaaaaaaa, abababab).',
    en: 'The password only repeats one character or a short group of them (like aaaaaaaa, abababab).',
  },
  sequence: {
    vi: 'Mật khẩu là một dãy ký tự liên tiếp dễ đoán (như 12345678, abcdefgh, qwertyui).',
    en: 'The password is an easy sequence (like 12345678, abcdefgh, qwertyui).',
  },
};

/** Runs of keys or characters a person types without thinking; a password inside one (either way) is a sequence. */
const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '01234567890123456789', 'qwertyuiopasdfghjklzxcvbnm', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p', 'qazwsxedcrfvtgbyhnujmikolp'];
const reversed = (s: string) => [...s].reverse().join('');
const ALL_SEQUENCES = [...SEQUENCES, ...SEQUENCES.map(reversed)];

let common: Set<string> | null = null;
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(COMMON_PASSWORDS_FILE, 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim().toLowerCase())
      .filter((line) => line && !line.startsWith('#')),
  );
  return common;
}

/** One character or a group of at most three, over and over (aaaaaaaa, abababab, abcabcab). */
function repeatsShortGroup(chars: string[]): boolean {
  for (let unit = 1; unit <= 3; unit++) if (chars.every((ch, i) => i < unit || ch === chars[i - unit])) return true;
  return false;
}

/** Why `password` is too easy to guess for `username`, or null when it is acceptable. The length is checked by the schemas. */
export function passwordWeakness(password: string, username: string): Weakness | null {
  const folded = password.normalize('NFC').toLowerCase();
  if (commonPasswords().has(folded)) return 'common';
  if (folded === username.normalize('NFC').toLowerCase()) return 'username';
  if (repeatsShortGroup([...folded])) return 'repeated';
  if (ALL_SEQUENCES.some((sequence) => sequence.includes(folded))) return 'sequence';
  return null;
}

/** A 400 `weak_password` naming the reason in Vietnamese and English; `field` is the body's field. */
export function weakPasswordError(weakness: Weakness, field: string): ApiError {
  const { vi, en } = weaknessMessages[weakness];
  return new ApiError(400, 'weak_password', `${vi} / ${en}`, [{ path: field, reason: weakness, message: en }]);
}

/** Throws weakPasswordError when the password is too easy to guess. */
export function assertStrongPassword(password: string, username: string, field = 'password'): void {
  const weakness = passwordWeakness(password, username);
  if (weakness) throw weakPasswordError(weakness, field);
}
