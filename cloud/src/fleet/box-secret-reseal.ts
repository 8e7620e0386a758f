import type { Logger } from '@smart-commune/shared/runtime';
import type { QueryDatabase } from '../db/query/index.js';
import type { SecretBox } from '../secrets/secret-box.js';

/**
 * At start, beside the cameras' passwords (vision/camera-secrets.ts): the boxes' sealed secrets a
 * previous key (SC_SECRET_KEY_PREVIOUS) sealed are sealed again with the current key, so that key
 * is no longer needed. Everything is computed before writing (a value of a key not given throws,
 * with nothing written); each row is written only if its values are still the ones read (another
 * process starting at once, or a claim meanwhile, already wrote them with the current key).
 */
export async function resealBoxSecrets(q: QueryDatabase, box: SecretBox, logger: Logger): Promise<number> {
  const rows = await q.db
    .selectFrom('edges')
    .select(['id', 'secret_sealed', 'pending_secret_sealed'])
    .where((eb) => eb.or([eb('secret_sealed', 'is not', null), eb('pending_secret_sealed', 'is not', null)]))
    .execute();
  const again = (value: string | null) => (value === null ? null : box.resealed(value));
  const changes = rows
    .map((row) => ({ row, secret: again(row.secret_sealed), pending: again(row.pending_secret_sealed) }))
    .filter((change) => change.secret !== null || change.pending !== null);
  if (changes.length === 0) return 0;
  let resealed = 0;
  await q.db.transaction().execute(async (trx) => {
    for (const { row, secret, pending } of changes) {
      const { numUpdatedRows } = await trx
        .updateTable('edges')
        .set({ secret_sealed: secret ?? row.secret_sealed, pending_secret_sealed: pending ?? row.pending_secret_sealed })
        .where('id', '=', row.id)
        .where((eb) => (row.secret_sealed === null ? eb('secret_sealed', 'is', null) : eb('secret_sealed', '=', row.secret_sealed)))
        .where((eb) => (row.pending_secret_sealed === null ? eb('pending_secret_sealed', 'is', null) : eb('pending_secret_sealed', '=', row.pending_secret_sealed)))
        .executeTakeFirst();
      if (numUpdatedRows > 0n) resealed++;
    }
  });
  if (resealed > 0) logger.info({ boxes: resealed }, 'boxes\' sealed secrets sealed again with the current secret key');
  return resealed;
}
