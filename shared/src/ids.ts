import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** A random id such as `edg_5k2m9q8x4c7t`: lower-case Crockford base32, safe in MQTT topics, URLs and file names. */
export function newId(prefix: string, length = 12): string {
  const bytes = randomBytes(length);
  let body = '';
  for (const byte of bytes) body += CROCKFORD[byte & 31];
  return `${prefix}_${body}`;
}

/** Ids that may appear as one MQTT topic level: no `/`, `+`, `#`, and short enough for MQTT 3.1 client ids. */
export const topicSafeId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{1,22}$/, 'must be 2-23 characters of a-z, 0-9, "_" or "-"');

export const edgeIdSchema = topicSafeId;
export type EdgeId = z.infer<typeof edgeIdSchema>;
