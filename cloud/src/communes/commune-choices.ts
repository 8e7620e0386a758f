import type { Db } from '../db/database.js';

/** The communes in service (not retired), by name: what a province-level person's commune filters offer. */
export function communeChoices(db: Db): { code: string; name: string }[] {
  return db.prepare('SELECT code, name FROM communes WHERE retired_at IS NULL ORDER BY name, code').all() as { code: string; name: string }[];
}
