/** What the radio domain looks up of people and live sessions when wiring its services, on the query layer. */
import type { QueryDatabase } from '../db/query/index.js';
import type { UserStore } from '../users/user-store.js';

/** The admin or operator with this id (an operator posting CAP by hand vouches for its sender); null for anyone or anything else. */
export async function operatorOf(users: UserStore, userId: string | null): Promise<{ id: string; username: string; communeCode: string | null } | null> {
  if (userId === null) return null;
  const user = await users.find(userId);
  if (!user || user.disabled || (user.role !== 'admin' && user.role !== 'operator')) return null;
  return { id: user.id, username: user.username, communeCode: user.communeCode };
}

/**
 * The commune a live session belongs to (null: the province's own, or no such session). A query of
 * its own rather than the live store's (live/live-store.ts): the recording's archive needs nothing else.
 */
export async function liveSessionCommune({ db }: QueryDatabase, sessionId: string): Promise<string | null> {
  const row = await db.selectFrom('live_sessions').select('commune_code').where('id', '=', sessionId).executeTakeFirst();
  return row?.commune_code ?? null;
}
