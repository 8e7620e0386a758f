import type { Db } from '../../db/database.js';

/**
 * Which of the hamlets and cameras a person chose do not exist: a typo'd code or a camera removed
 * from its box would otherwise silently mean "nothing ever comes". Returns one problem per unknown,
 * naming it.
 */
export function unknownScope(db: Db, hamlets: readonly string[], cameras: readonly string[]): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const hamlet = db.prepare('SELECT 1 FROM hamlets WHERE code = ?');
  hamlets.forEach((code, i) => {
    if (!hamlet.get(code)) problems.push({ path: `hamlets.${i}`, message: `unknown hamlet ${code}` });
  });
  // a box's cameras are in its surveillance document, as the rest of the cloud reads them
  const camera = db.prepare(
    `SELECT 1 FROM documents d, json_each(d.body, '$.surveillance.cameras') c
     WHERE d.edge_id = ? AND json_valid(d.body) AND json_extract(c.value, '$.id') = ? LIMIT 1`,
  );
  cameras.forEach((ref, i) => {
    const slash = ref.indexOf('/');
    if (!camera.get(ref.slice(0, slash), ref.slice(slash + 1))) problems.push({ path: `cameras.${i}`, message: `unknown camera ${ref}` });
  });
  return problems;
}
