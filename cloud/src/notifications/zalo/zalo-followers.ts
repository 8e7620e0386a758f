import type { Db } from '../../db/database.js';
import { scopeKey, type OaScope } from './zalo-oa-store.js';

export interface HamletRef {
  code: string;
  name: string;
  /** Whose hamlet: a commune's OA subscribes its followers to its own commune's hamlets only. */
  communeCode: string;
}

/** Lower case, no diacritics (đ → d), letters and digits only: "Ấp 2A" and "ap-2a" both become "ap2a". */
export const foldName = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/**
 * The hamlets a citizen's message names: its code or its name, in any case, with or without
 * diacritics and spaces ("Ấp 2A", "ap 2a", "AP-2A"), or only the number after "ấp" ("2a"). Several
 * when the province's OA offers every commune's hamlets and two communes have an "Ấp 1"; a code
 * written exactly as it is ("vt-1") names that one hamlet, which is how such a citizen answers.
 */
export function hamletsNamed<H extends { code: string; name: string }>(text: string, hamlets: readonly H[]): H[] {
  const exact = hamlets.find((h) => h.code.toLowerCase() === text.trim().toLowerCase());
  if (exact) return [exact];
  const folded = foldName(text.slice(0, 100));
  if (!folded) return [];
  return hamlets.filter((h) => foldName(h.code) === folded || foldName(h.name) === folded || `ap${folded}` === foldName(h.name));
}

/** The one hamlet a message names, or null when it names none or several. */
export function hamletNamed<H extends { code: string; name: string }>(text: string, hamlets: readonly H[]): H | null {
  const named = hamletsNamed(text, hamlets);
  return named.length === 1 ? named[0]! : null;
}

/** Words that unsubscribe from everything ("HỦY", "huy", "stop"). */
export const isUnsubscribe = (text: string) => ['huy', 'huydangky', 'stop'].includes(foldName(text.slice(0, 100)));

/**
 * Each OA's followers who asked for a hamlet's notices: the OA, the follower's Zalo user id (Zalo
 * gives each OA its own id for a person, so an id means nothing without its OA) and the hamlet code.
 * A citizen following Vị Tân's OA is a follower of that OA only: another commune's OA never messages them.
 */
export class ZaloFollowers {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when new (a follower may subscribe to several hamlets); false too when the OA is not stored. */
  subscribe(scope: OaScope, userId: string, hamletCode: string): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO zalo_followers (oa, user_id, hamlet_code, subscribed_at) SELECT id, ?, ?, ? FROM zalo_oa WHERE scope = ?')
        .run(userId, hamletCode, this.now(), scopeKey(scope)).changes === 1
    );
  }

  /** Removes all of a follower's subscriptions with this OA (unfollowed it, or asked to stop); how many. */
  unsubscribeAll(scope: OaScope, userId: string): number {
    return this.db.prepare('DELETE FROM zalo_followers WHERE user_id = ? AND oa = (SELECT id FROM zalo_oa WHERE scope = ?)').run(userId, scopeKey(scope)).changes;
  }

  hamletsOf(scope: OaScope, userId: string): string[] {
    return this.db
      .prepare('SELECT f.hamlet_code FROM zalo_followers f JOIN zalo_oa o ON o.id = f.oa WHERE o.scope = ? AND f.user_id = ? ORDER BY f.hamlet_code')
      .pluck()
      .all(scopeKey(scope), userId) as string[];
  }

  /** The OA's followers in these hamlets, each once however many of them they subscribed to. */
  inHamlets(scope: OaScope, hamletCodes: readonly string[]): string[] {
    if (hamletCodes.length === 0) return [];
    const marks = hamletCodes.map(() => '?').join(',');
    return this.db
      .prepare(`SELECT DISTINCT f.user_id FROM zalo_followers f JOIN zalo_oa o ON o.id = f.oa WHERE o.scope = ? AND f.hamlet_code IN (${marks}) ORDER BY f.user_id`)
      .pluck()
      .all(scopeKey(scope), ...hamletCodes) as string[];
  }

  /** The OA's followers per hamlet, for the admins' page. */
  countsByHamlet(scope: OaScope): Record<string, number> {
    const rows = this.db
      .prepare('SELECT f.hamlet_code, COUNT(*) AS n FROM zalo_followers f JOIN zalo_oa o ON o.id = f.oa WHERE o.scope = ? GROUP BY f.hamlet_code')
      .all(scopeKey(scope)) as { hamlet_code: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.hamlet_code, r.n]));
  }
}
