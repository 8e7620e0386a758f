import { LIVE_BROADCAST, liveDocSchema } from './live.js';
import type { z } from 'zod';
import { MAX_PAYLOAD_BYTES } from '../protocol.js';
import { parseEdgeTopic, type EdgeTopic } from '../topics.js';
import { availabilitySchema } from './availability.js';
import { commandBodies, requestSchema, responseSchema, type CommandName } from './commands.js';
import { desiredSchema, documentBodies, reportedSchema, type DocumentName } from './documents.js';
import { eventBodies, eventSchema, storedEventsSchema, type EventKind } from './events.js';
import { telemetrySchema } from './telemetry.js';
import { alertMessageSchema } from './radio.js';
import { cloudContractSchema } from '../contract/announce.js';
import { describeIssues } from './issues.js';
import { TOPIC_ROOT } from '../protocol.js';

export type DecodeResult<T = unknown> =
  | { ok: true; topic: EdgeTopic; message: T }
  | { ok: false; reason: string; topic: EdgeTopic | null };

const has = <T extends object>(table: T, key: string): key is Extract<keyof T, string> =>
  Object.prototype.hasOwnProperty.call(table, key);

/** The schema a payload on this edge topic must satisfy, or why there is none. */
export function schemaForEdgeTopic(topic: EdgeTopic): z.ZodType | string {
  const { channel, name } = topic;
  switch (channel) {
    case 'availability':
      return availabilitySchema;
    case 'telemetry':
      return telemetrySchema;
    case 'desired':
      return has(documentBodies, name) ? desiredSchema(name as DocumentName) : `unknown document "${name}"`;
    case 'reported':
      return has(documentBodies, name) ? reportedSchema : `unknown document "${name}"`;
    case 'req':
      return has(commandBodies, name) ? requestSchema(name as CommandName) : `unknown command "${name}"`;
    case 'res':
      return has(commandBodies, name) ? responseSchema(name as CommandName) : `unknown command "${name}"`;
    case 'events':
      return has(eventBodies, name) ? eventSchema(name as EventKind) : `unknown event kind "${name}"`;
    case 'stored':
      return storedEventsSchema;
  }
}

export { describeIssues };

/** Parses a JSON payload against a schema, never throwing. */
export function decodePayload<T>(schema: z.ZodType<T>, payload: Buffer | string): { ok: true; value: T } | { ok: false; reason: string } {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, reason: `payload of ${size} bytes exceeds ${MAX_PAYLOAD_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return { ok: false, reason: 'payload is not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: describeIssues(parsed.error) };
}

/** Decodes any message under `sc/v1/edges/`: topic shape, size, JSON and the payload schema of that topic. */
export function decodeEdgeMessage(topicString: string, payload: Buffer | string): DecodeResult {
  const topic = parseEdgeTopic(topicString);
  if (!topic) return { ok: false, reason: 'topic is not part of the sc/v1 edge contract', topic: null };
  const schema = schemaForEdgeTopic(topic);
  if (typeof schema === 'string') return { ok: false, reason: schema, topic };
  const decoded = decodePayload(schema, payload);
  return decoded.ok ? { ok: true, topic, message: decoded.value } : { ok: false, reason: decoded.reason, topic };
}

/** Bodies of `sc/v1/broadcast/{name}`, cloud → every edge. */
export const broadcastBodies = {
  alert: alertMessageSchema,
  /** Retained: the cloud's contract revision and features (revision 2 on). */
  contract: cloudContractSchema,
  [LIVE_BROADCAST]: liveDocSchema,
} as const;
export type BroadcastName = keyof typeof broadcastBodies;

/** Decodes a message under `sc/v1/broadcast/`. */
export function decodeBroadcast(topic: string, payload: Buffer | string): { ok: true; name: BroadcastName; message: unknown } | { ok: false; reason: string } {
  const prefix = `${TOPIC_ROOT}/broadcast/`;
  const name = topic.startsWith(prefix) ? topic.slice(prefix.length) : '';
  if (!has(broadcastBodies, name)) return { ok: false, reason: `unknown broadcast "${name}"` };
  const decoded = decodePayload(broadcastBodies[name] as z.ZodType, payload);
  return decoded.ok ? { ok: true, name, message: decoded.value } : decoded;
}
