import { z } from 'zod';
import { epochMs } from '../time.js';
import { decodePayload } from '../messages/decode.js';
import { documentBodies, type Desired, type DocumentName } from '../messages/documents.js';
import { parseLeniently, type IgnoredPart } from './lenient.js';

const envelopeSchema = z.object({ version: z.number().int().positive(), issuedAt: epochMs, body: z.unknown() });

export type DesiredDecode<D extends DocumentName> =
  | { ok: true; desired: Desired<D>; ignored: IgnoredPart[] }
  | { ok: false; reason: string; version: number };

/**
 * A `desired/{doc}` payload as this box can take it: the envelope strictly (size, JSON, version),
 * the body leniently (parseLeniently): what it does not know is left out and listed.
 */
export function decodeDesired<D extends DocumentName>(doc: D, payload: Buffer | string): DesiredDecode<D> {
  const envelope = decodePayload(envelopeSchema, payload);
  if (!envelope.ok) return { ok: false, reason: envelope.reason, version: 0 };
  const body = parseLeniently(documentBodies[doc] as z.ZodType, envelope.value.body);
  if (!body.ok) return { ok: false, reason: prefixed(body.reason), version: envelope.value.version };
  return {
    ok: true,
    desired: { version: envelope.value.version, issuedAt: envelope.value.issuedAt, body: body.value as Desired<D>['body'] },
    ignored: body.ignored.map((part) => ({ ...part, path: `body.${part.path}`, left: `body.${part.left}` })),
  };
}

/** Reasons name paths from the envelope, as the strict decoder's did (`body.telemetryIntervalS: …`). */
const prefixed = (reason: string) =>
  reason
    .split('; ')
    .map((part) => (part.startsWith('(root)') ? part.replace('(root)', 'body') : /^[A-Za-z0-9_.-]+: /.test(part) ? `body.${part}` : part))
    .join('; ');
