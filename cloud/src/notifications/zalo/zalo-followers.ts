import type { Db } from '../../db/database.js';

export interface HamletRef {
  code: string;
  name: string;
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
 * The hamlet a citizen's message names: its code or its name, in any case, with or without
 * diacritics and spaces ("Ấp 2A", "ap 2a", "AP-2A"), or only the number after "ấp" ("2a").
 */
export function hamletNamed(text: string, hamlets: readonly HamletRef[]): HamletRef | null {
  const folded = foldName(text.slice(0, 100));
  if (!folded) return null;
  return hamlets.find((h) => foldName(h.code) === folded || foldName(h.name) === folded || `ap${folded}` === foldName(h.name)) ?? null;
}

/** Words that unsubscribe from everything ("HỦY", "huy", "stop"). */
export const isUnsubscribe = (text: string) => ['huy', 'huydangky', 'stop'].includes(foldName(text.slice(0, 100)));

/** The OA's followers who asked for a hamlet's notices: Zalo user id (of the OA) and hamlet code. */
export class ZaloFollowers {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when new (a follower may subscribe to several hamlets). */
  subscribe(userId: string, hamletCode: string): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO zalo_followers (user_id, hamlet_code, subscribed_at) VALUES (?, ?, ?)').run(userId, hamletCode, this.now()).changes === 1;
  }

  /** Removes all of a follower's subscriptions (unfollowed the OA, or asked to stop); how many. */
  unsubscribeAll(userId: string): number {
    return this.db.prepare('DELETE FROM zalo_followers WHERE user_id = ?').run(userId).changes;
  }

  hamletsOf(userId: string): string[] {
    return (this.db.prepare('SELECT hamlet_code FROM zalo_followers WHERE user_id = ? ORDER BY hamlet_code').all(userId) as { hamlet_code: string }[]).map((r) => r.hamlet_code);
  }

  /** Each follower once, however many of the hamlets they subscribed to. */
  inHamlets(hamletCodes: readonly string[]): string[] {
    if (hamletCodes.length === 0) return [];
    const marks = hamletCodes.map(() => '?').join(',');
    return (this.db.prepare(`SELECT DISTINCT user_id FROM zalo_followers WHERE hamlet_code IN (${marks}) ORDER BY user_id`).all(...hamletCodes) as { user_id: string }[]).map((r) => r.user_id);
  }

  /** Followers per hamlet, for the admins' page. */
  countsByHamlet(): Record<string, number> {
    const rows = this.db.prepare('SELECT hamlet_code, COUNT(*) AS n FROM zalo_followers GROUP BY hamlet_code').all() as { hamlet_code: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.hamlet_code, r.n]));
  }
}
