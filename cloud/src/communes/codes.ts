import { z } from 'zod';

/** Commune and hamlet codes: the keys in URLs, MQTT plans and boxes' configuration. */
export const CODE_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const codeSchema = z.string().trim().regex(CODE_PATTERN, 'must be 1-32 lower-case letters, digits or "-", starting with a letter or digit');

/** Mã đơn vị hành chính: digits only (5 for a commune, 2 for a province in the 2025 list). */
export const adminCodeSchema = z.string().trim().regex(/^\d{1,10}$/, 'digits only (mã đơn vị hành chính)');

/** A Vietnamese name as ASCII words joined by "-": "Ấp Mới Đông" → "ap-moi-dong". */
export function slugOf(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** A commune's code from its name, without the unit's word: "Xã Vị Tân" → "vi-tan", as the pilot's. */
export function communeCodeFor(name: string): string {
  const slug = slugOf(name).replace(/^(xa|phuong|dac-khu|thi-tran)-/, '');
  return slug.slice(0, 32).replace(/-+$/, '') || 'xa';
}

/**
 * A hamlet's province-unique code: its commune's code and its name's ("xa-a" + "Ấp 1" → "xa-a-ap-1").
 * The pilot's hamlets keep their short codes ("ap-1"): codes are never renamed.
 */
export function hamletCodeFor(communeCode: string, name: string): string {
  return `${communeCode}-${slugOf(name) || 'ap'}`.slice(0, 32).replace(/-+$/, '');
}
