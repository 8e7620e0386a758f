import type { QueryDatabase } from '../../db/query/index.js';
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
    private readonly q: QueryDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when new (a follower may subscribe to several hamlets); false too when the OA is not stored. One INSERT … SELECT … ON CONFLICT DO NOTHING. */
  async subscribe(scope: OaScope, userId: string, hamletCode: string): Promise<boolean> {
    const at = this.now();
    const added = await this.q.db
      .insertInto('zalo_followers')
      .columns(['oa', 'user_id', 'hamlet_code', 'subscribed_at'])
      .expression((eb) =>
        eb
          .selectFrom('zalo_oa')
          .select((s) => ['id', s.val(userId).as('user_id'), s.val(hamletCode).as('hamlet_code'), s.val(at).as('subscribed_at')])
          .where('scope', '=', scopeKey(scope)),
      )
      .onConflict((oc) => oc.doNothing())
      .returning('oa')
      .execute();
    return added.length === 1;
  }

  /** Removes all of a follower's subscriptions with this OA (unfollowed it, or asked to stop); how many. */
  async unsubscribeAll(scope: OaScope, userId: string): Promise<number> {
    const removed = await this.q.db
      .deleteFrom('zalo_followers')
      .where('user_id', '=', userId)
      .where('oa', '=', (eb) => eb.selectFrom('zalo_oa').select('id').where('scope', '=', scopeKey(scope)))
      .executeTakeFirst();
    return Number(removed.numDeletedRows);
  }

  async hamletsOf(scope: OaScope, userId: string): Promise<string[]> {
    const rows = await this.q.db
      .selectFrom('zalo_followers as f')
      .innerJoin('zalo_oa as o', 'o.id', 'f.oa')
      .select('f.hamlet_code')
      .where('o.scope', '=', scopeKey(scope))
      .where('f.user_id', '=', userId)
      .orderBy('f.hamlet_code')
      .execute();
    return rows.map((r) => r.hamlet_code);
  }

  /** The OA's followers in these hamlets, each once however many of them they subscribed to. */
  async inHamlets(scope: OaScope, hamletCodes: readonly string[]): Promise<string[]> {
    if (hamletCodes.length === 0) return [];
    const rows = await this.q.db
      .selectFrom('zalo_followers as f')
      .innerJoin('zalo_oa as o', 'o.id', 'f.oa')
      .select('f.user_id')
      .distinct()
      .where('o.scope', '=', scopeKey(scope))
      .where('f.hamlet_code', 'in', [...hamletCodes])
      .orderBy('f.user_id')
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** The OA's followers per hamlet, for the admins' page. */
  async countsByHamlet(scope: OaScope): Promise<Record<string, number>> {
    const rows = await this.q.db
      .selectFrom('zalo_followers as f')
      .innerJoin('zalo_oa as o', 'o.id', 'f.oa')
      .select((eb) => ['f.hamlet_code', eb.fn.countAll<number>().as('n')])
      .where('o.scope', '=', scopeKey(scope))
      .groupBy('f.hamlet_code')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.hamlet_code, Number(r.n)]));
  }
}
