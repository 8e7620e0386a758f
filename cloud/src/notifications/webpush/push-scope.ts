import { edgeCommuneSql } from '../../communes/edge-commune.js';
import type { Db } from '../../db/database.js';

/**
 * Which of the hamlets and cameras a person chose do not exist: a typo'd code or a camera removed
 * from its box would otherwise silently mean "nothing ever comes". Returns one problem per unknown,
 * naming it. `communeCode` (a commune's person): another commune's hamlet or camera is unknown alike,
 * so a commune's staff can never choose to be told of another commune's items.
 */
export function unknownScope(db: Db, hamlets: readonly string[], cameras: readonly string[], communeCode: string | null = null): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const hamlet = db.prepare('SELECT commune_code FROM hamlets WHERE code = ?').pluck();
  const theirs = (commune: unknown) => communeCode === null || commune === communeCode;
  hamlets.forEach((code, i) => {
    const commune = hamlet.get(code);
    if (commune === undefined || !theirs(commune)) problems.push({ path: `hamlets.${i}`, message: `unknown hamlet ${code}` });
  });
  // a box's cameras are in its surveillance document, as the rest of the cloud reads them
  const camera = db.prepare(
    `SELECT 1 FROM documents d, json_each(d.body, '$.surveillance.cameras') c
     WHERE d.edge_id = ? AND json_valid(d.body) AND json_extract(c.value, '$.id') = ? LIMIT 1`,
  );
  const boxCommune = db.prepare(`SELECT ${edgeCommuneSql('?')}`).pluck();
  cameras.forEach((ref, i) => {
    const slash = ref.indexOf('/');
    const edgeId = ref.slice(0, slash);
    if (!camera.get(edgeId, ref.slice(slash + 1)) || !theirs(boxCommune.get(edgeId))) problems.push({ path: `cameras.${i}`, message: `unknown camera ${ref}` });
  });
  return problems;
}
