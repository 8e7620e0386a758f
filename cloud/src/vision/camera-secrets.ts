import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
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
 * key is no longer needed. Throws, changing nothing, when a value's key is not given. After clear
 * text was encrypted the file is rebuilt (VACUUM) and the WAL emptied: SQLite leaves replaced
 * rows in its free pages, where the old version's passwords (also those changed since) would stay.
 */
export function sealCameraPasswords(db: Db, box: SecretBox, logger: Logger): number {
  const rows = db.prepare("SELECT edge_id, body FROM documents WHERE doc = 'config'").all() as { edge_id: string; body: string }[];
  const update = db.prepare("UPDATE documents SET body = ? WHERE edge_id = ? AND doc = 'config'");
  let sealed = 0;
  let wereClear = false;
  db.transaction(() => {
    for (const row of rows) {
      let changed = false;
      const body = mapPasswords(JSON.parse(row.body), (password) => {
        const again = box.resealed(password);
        if (again === null) return password;
        changed = true;
        wereClear ||= !SecretBox.isSealed(password);
        sealed++;
        return again;
      });
      if (changed) update.run(JSON.stringify(body), row.edge_id);
    }
  })();
  if (wereClear) db.exec('VACUUM');
  if (sealed > 0) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    logger.info({ sealed, keyId: box.current.id }, 'camera passwords encrypted with the current secret key');
  }
  return sealed;
}
