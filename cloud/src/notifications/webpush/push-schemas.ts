import { z } from '@hono/zod-openapi';
import { hamletCodeSchema } from '@smart-commune/shared';
import { MAX_SCOPE_CAMERAS, MAX_SCOPE_HAMLETS, pushKinds } from './preferences.js';

/** Push services' endpoints are a few hundred characters (FCM ~200, Mozilla ~250, Apple ~150); more is not a push service. */
const MAX_ENDPOINT = 1024;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Where the cloud will POST pushes for this device: an https URL without credentials (RFC 8030 §8:
 * push services are https), or, when SC_PUSH_ALLOW_LOCAL_ENDPOINTS says so (tests, the demo's
 * local push service), http on this machine. Returns the problem in words, or null.
 */
export function endpointProblem(endpoint: string, allowLocal: boolean): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint is not a URL';
  }
  if (url.username || url.password) return 'endpoint must not carry credentials';
  if (url.hash) return 'endpoint must not have a #fragment';
  if (allowLocal && (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname)) return null;
  // push services are named hosts: an address or this machine would let a person make the cloud POST inside the LAN
  if (/^[\d.]+$/.test(url.hostname) || url.hostname.startsWith('[') || url.hostname === 'localhost' || !url.hostname.includes('.')) {
    return 'endpoint must name a push service by its host name';
  }
  if (url.protocol === 'https:') return null;
  return allowLocal ? 'endpoint must be https (or http on 127.0.0.1 / localhost)' : 'endpoint must be an https URL of a push service';
}

const b64url = (bytes: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what} must be base64url`)
    .refine((text) => Buffer.from(text, 'base64url').length === bytes, `${what} must be ${bytes} bytes`);

export const subscribeBody = z
  .object({
    endpoint: z.string().min(10).max(MAX_ENDPOINT),
    /** PushSubscription.toJSON() also has expirationTime: taken and ignored (push services tell us with 404/410). */
    expirationTime: z.number().nullable().optional(),
    keys: z
      .object({
        p256dh: b64url(65, 'keys.p256dh').refine((t) => Buffer.from(t, 'base64url')[0] === 4, 'keys.p256dh must be an uncompressed P-256 point'),
        auth: b64url(16, 'keys.auth'),
      })
      .strict(),
    /** "Điện thoại của Lan": the device's name in the person's list; default from the User-Agent. */
    label: z.string().trim().min(1).max(80).optional(),
  })
  .strict()
  .openapi('PushSubscriptionInput', { description: 'What PushSubscription.toJSON() gives, and optionally a name for the device' });

export const deviceSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    /** The push service's origin only: the full endpoint is a bearer capability. */
    service: z.string(),
    endpointSuffix: z.string().openapi({ description: 'The last characters of the endpoint, for a page to find its own device' }),
    createdAt: z.number(),
    lastSuccessAt: z.number().nullable(),
    lastError: z.string().nullable(),
  })
  .openapi('PushDevice');

export const preferencesSchema = z
  .object({
    kinds: z.array(z.enum(pushKinds)).openapi({ description: 'incident: new alert items (police); device: boxes and cameras offline and back (technicians); alert_not_started: an emergency alert a hamlet did not start (operators); speaker: a loudspeaker zone alarm (down longer than SC_SPEAKER_ALARM_AFTER_S) and its end (technicians, operators)' }),
    quietHours: z
      .object({ start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'), end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM') })
      .strict()
      .refine((q) => q.start !== q.end, 'start and end must differ')
      .nullable()
      .openapi({ description: 'Local time (Asia/Ho_Chi_Minh): only emergencies come through, the rest at the end' }),
    hamlets: z
      .array(hamletCodeSchema)
      .max(MAX_SCOPE_HAMLETS)
      .optional()
      .openapi({ description: 'Hamlet codes you want alert items, offline boxes and alerts not started about; with cameras both empty, the whole commune. Left out: unchanged. An unknown code is refused (400).' }),
    cameras: z
      .array(z.string().max(200).regex(/^[^/\s]+\/[^/\s]+$/, 'a camera as {edgeId}/{cameraId}'))
      .max(MAX_SCOPE_CAMERAS)
      .optional()
      .openapi({ description: 'Cameras ({edgeId}/{cameraId}) you also want alert items and offline pushes about, wherever their hamlet. Left out: unchanged. An unknown camera is refused (400).' }),
  })
  .strict()
  .openapi('NotificationPreferences');

export const preferencesView = preferencesSchema
  .extend({
    hamlets: z.array(z.string()).openapi({ description: 'Empty with cameras empty: the whole commune' }),
    cameras: z.array(z.string()),
    available: z.array(z.enum(pushKinds)).openapi({ description: 'The kinds this person\'s role makes theirs' }),
  })
  .openapi('NotificationPreferencesView');

/** A short name for the device from its User-Agent: "Chrome trên Android". */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /(Chrome|Chromium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Trình duyệt';
  const system = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null;
  return system ? `${browser} trên ${system}` : browser;
}
