import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, releasePublicKeySchema, type ReleasePublicKey } from '@smart-commune/shared';

/** The keys file: a list of `{keyId, publicKey}` (as the box's keys/release-keys.json), or `{keys: [...]}`. */
const keysFileSchema = z.union([z.array(releasePublicKeySchema).max(32), z.object({ keys: z.array(releasePublicKeySchema).max(32) }).transform((f) => f.keys)]);

/**
 * The province's release public keys, read at each upload (adding a key during a rotation needs no
 * restart). A missing file is no keys: every upload is then refused with a message naming the file.
 */
export function loadReleaseKeys(file: string): ReleasePublicKey[] {
  if (!existsSync(file)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`release keys file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = keysFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`release keys file ${file}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
