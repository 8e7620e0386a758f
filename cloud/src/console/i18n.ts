import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const languages = ['vi', 'en'] as const;
export type Lang = (typeof languages)[number];
export const DEFAULT_LANG: Lang = 'vi';
const LANG_COOKIE = 'sc_lang';

const isLang = (value: string | undefined | null): value is Lang => value === 'vi' || value === 'en';

/**
 * The reader's language: `?lang=` (remembered in a cookie for the next pages), else the cookie,
 * else Vietnamese.
 */
export function langOf(c: Context): Lang {
  const asked = c.req.query('lang');
  if (isLang(asked)) {
    setCookie(c, LANG_COOKIE, asked, { path: '/', sameSite: 'Lax', maxAge: 365 * 86_400 });
    return asked;
  }
  const remembered = getCookie(c, LANG_COOKIE);
  return isLang(remembered) ? remembered : DEFAULT_LANG;
}

export type Params = Record<string, string | number>;

/** A translator: `t('key', { n: 3 })` fills `{n}` in the reader's language. */
export type Translate<K extends string> = (key: K, params?: Params) => string;

/** One area's strings in each language; English must name exactly the same keys as Vietnamese. */
export interface Messages<K extends string> {
  vi: Record<K, string>;
  en: Record<K, string>;
}

export function defineMessages<K extends string>(messages: Messages<K>): Messages<K> {
  return messages;
}

export function translator<K extends string>(messages: Messages<K>, lang: Lang): Translate<K> {
  return (key, params) => fill(messages[lang][key] ?? messages.vi[key] ?? key, params);
}

function fill(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The strings of an area in one language, for a page script (it reads them from the page's data block). */
export function messagesFor<K extends string>(messages: Messages<K>, lang: Lang): Record<K, string> {
  return messages[lang];
}
