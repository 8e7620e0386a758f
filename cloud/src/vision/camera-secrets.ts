import type { Logger } from '@smart-commune/shared/runtime';
import { flushWriteLog, purgeReplacedRows, type QueryDatabase } from '../db/query/index.js';
import type { DocumentCodec } from '../fleet/documents.js';
import { SecretBox } from '../secrets/secret-box.js';

interface CameraSource {
  password?: unknown;
}
interface ConfigWithCameras {
  surveillance?: { cameras?: { source?: CameraSource }[] };
}

/** The config body with each camera's password changed by `change` (a copy; the rest shared). */
function mapPasswords(body: unknown, change: (password: string) => string): unknown {
  const cameras = (body as ConfigWithCameras).surveillance?.cameras;
  if (!cameras?.some((camera) => typeof camera.source?.password === 'string')) return body;
  const config = body as ConfigWithCameras & { surveillance: object };
  return {
    ...config,
    surveillance: {
      ...config.surveillance,
      cameras: cameras.map((camera) => (typeof camera.source?.password === 'string' ? { ...camera, source: { ...camera.source, password: change(camera.source.password) } } : camera)),
    },
  };
}

/**
 * Cameras' passwords are stored encrypted in the config documents, and decrypted as a document is
 * read: the box receives them in clear in its desired config (over its own MQTT connection), the
 * API never shows them. A clear-text value (stored before encryption existed, and not yet through
 * `sealCameraPasswords`) is passed as it is rather than holding back the box's config.
 */
export function cameraPasswordCodec(box: SecretBox): DocumentCodec {
  return {
    seal: (doc, body) => (doc === 'config' ? mapPasswords(body, (password) => box.seal(password)) : body),
    open: (doc, body) => (doc === 'config' ? mapPasswords(body, (password) => (SecretBox.isSealed(password) ? box.open(password) : password)) : body),
  };
}

/**
 * At start, before anything reads the documents: encrypts the clear-text passwords an earlier
 * version stored, and encrypts again with the current key what a previous key sealed, so that
 * key is no longer needed. Throws, changing nothing, when a value's key is not given. The new
 * bodies are written in one transaction, each only if the body is still the one read (another
 * cloud process starting at once, or a config saved meanwhile through the codec, already sealed
 * it with the current key). After clear text was encrypted the storage is rewritten
 * (purgeReplacedRows: SQLite's VACUUM, PostgreSQL's VACUUM FULL): both leave replaced rows on disk,
 * where the old version's passwords (also those changed since) would stay.
 */
export async function sealCameraPasswords(q: QueryDatabase, box: SecretBox, logger: Logger): Promise<number> {
  const rows = await q.db.selectFrom('documents').select(['edge_id', 'body']).where('doc', '=', 'config').execute();
  const changes: { edgeId: string; before: string; after: string; passwords: number }[] = [];
  let wereClear = false;
  // everything is computed before writing: a value of a key not given throws here, with nothing written
  for (const row of rows) {
    let passwords = 0;
    const body = mapPasswords(JSON.parse(row.body), (password) => {
      const again = box.resealed(password);
      if (again === null) return password;
      wereClear ||= !SecretBox.isSealed(password);
      passwords++;
      return again;
    });
    if (passwords > 0) changes.push({ edgeId: row.edge_id, before: row.body, after: JSON.stringify(body), passwords });
  }
  if (changes.length === 0) return 0;
  let sealed = 0;
  await q.db.transaction().execute(async (trx) => {
    for (const change of changes) {
      const { numUpdatedRows } = await trx
        .updateTable('documents')
        .set({ body: change.after })
        .where('edge_id', '=', change.edgeId)
        .where('doc', '=', 'config')
        .where('body', '=', change.before)
        .executeTakeFirst();
      if (numUpdatedRows > 0n) sealed += change.passwords;
    }
  });
  if (sealed === 0) return 0; // another process sealed them first (and cleans up after itself)
  for (const statement of wereClear ? purgeReplacedRows(q.dialect, 'documents') : flushWriteLog(q.dialect)) await statement.execute(q.db);
  logger.info({ sealed, keyId: box.current.id }, 'camera passwords encrypted with the current secret key');
  return sealed;
}
