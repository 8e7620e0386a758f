import webpush from 'web-push';
import type { NotificationContent, SendOutcome } from '../channel.js';
import type { VapidKeys } from './vapid-keys.js';

/** What the service worker receives (decrypted), and shows: see assets/sw.js. */
export interface PushPayload {
  title: string;
  body: string;
  tag?: string;
  /** A console path; the service worker opens it on its own origin only. */
  url: string;
  kind: string;
  /** When the cloud wrote it (epoch ms): a late delivery can say so. */
  at: number;
}

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface PushOptions {
  /** Seconds the push service keeps the message for a device that is off (RFC 8030 §5.2). */
  ttlS: number;
  /** RFC 8030 §5.3: 'high' wakes a phone in power saving; emergencies only. */
  urgency: 'very-low' | 'low' | 'normal' | 'high';
  /** RFC 8030 §5.4: a newer message with the same topic replaces one the device has not fetched yet. */
  topic?: string;
}

/** 4 KiB of RFC 8291 record less its header and padding; bodies are cut to stay well inside. */
const MAX_BODY_CHARS = 600;
const TIMEOUT_MS = 15_000;

export function payloadOf(content: NotificationContent, kind: string, at: number): PushPayload {
  const body = content.body.length > MAX_BODY_CHARS ? `${content.body.slice(0, MAX_BODY_CHARS - 1)}…` : content.body;
  return { title: content.title.slice(0, 200), body, ...(content.tag ? { tag: content.tag } : {}), url: content.path, kind, at };
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The answer of a push service (RFC 8030 §5, §8.2 and the services' documented codes) as an outcome. */
export function outcomeOf(status: number, retryAfter: string | null, text: string): SendOutcome & { gone?: boolean } {
  if (status >= 200 && status < 300) return { ok: true };
  const detail = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  const reason = `push service answered ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 404 || status === 410) return { ok: false, retry: false, reason: `${reason} (the subscription has expired or was removed; the device is forgotten)`, gone: true };
  if (status === 429) {
    const after = retryAfterMs(retryAfter);
    return { ok: false, retry: true, reason, ...(after !== null ? { retryAfterMs: after } : {}) };
  }
  if (status >= 500) {
    const after = retryAfterMs(retryAfter);
    return { ok: false, retry: true, reason, ...(after !== null ? { retryAfterMs: after } : {}) };
  }
  if (status === 413) return { ok: false, retry: false, reason: `${reason} (payload too large)` };
  if (status === 401 || status === 403) return { ok: false, retry: false, reason: `${reason} (the push service refused our VAPID signature: were the keys changed?)` };
  return { ok: false, retry: false, reason };
}

/** A JWT is good for up to 24 h (RFC 8292 §2); ours for 12, renewed with an hour left. */
const JWT_LIFETIME_S = 12 * 3600;
const RENEW_BEFORE_MS = 3600_000;
/** Push services are a handful of origins; a bound keeps odd endpoints from growing the cache. */
const MAX_AUDIENCES = 256;

/**
 * The VAPID Authorization header per push service (the JWT's audience is the endpoint's origin),
 * signed once and reused until near its expiry: the ES256 signature costs several times the
 * payload's encryption, and a burst goes to one or two push services.
 */
export class VapidSigner {
  private readonly cache = new Map<string, { header: string; expiresAt: number }>();

  constructor(
    readonly keys: VapidKeys,
    private readonly now: () => number = Date.now,
  ) {}

  authorization(endpoint: string): string {
    const url = new URL(endpoint);
    const audience = `${url.protocol}//${url.host}`;
    const hit = this.cache.get(audience);
    if (hit && hit.expiresAt - this.now() > RENEW_BEFORE_MS) return hit.header;
    const exp = Math.floor(this.now() / 1000) + JWT_LIFETIME_S;
    const header = webpush.getVapidHeaders(audience, this.keys.subject, this.keys.publicKey, this.keys.privateKey, 'aes128gcm', exp).Authorization;
    if (this.cache.size >= MAX_AUDIENCES) this.cache.clear();
    this.cache.set(audience, { header, expiresAt: exp * 1000 });
    return header;
  }
}

/**
 * One push, RFC 8030 over HTTP: web-push encrypts the payload for the subscription's keys
 * (RFC 8291, aes128gcm) and signs the VAPID JWT (RFC 8292) for the endpoint's origin; the request
 * itself goes out with fetch, which (unlike web-push's own sender, https only) also reaches the
 * local push service of the tests and the demo.
 */
export async function sendPush(
  target: PushTarget,
  payload: PushPayload,
  options: PushOptions,
  signer: VapidSigner,
  signal?: AbortSignal,
): Promise<SendOutcome & { gone?: boolean }> {
  let details: ReturnType<typeof webpush.generateRequestDetails>;
  let authorization: string;
  try {
    authorization = signer.authorization(target.endpoint);
    details = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, JSON.stringify(payload), {
      // no vapidDetails: signed above, once per push service (VapidSigner), and set below
      TTL: options.ttlS,
      urgency: options.urgency,
      contentEncoding: 'aes128gcm',
      ...(options.topic ? { topic: options.topic } : {}),
    });
  } catch (err) {
    // keys a browser would never hand out: nothing will ever be deliverable to this subscription
    return { ok: false, retry: false, reason: `cannot encrypt for this subscription: ${(err as Error).message}` };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(details.headers)) headers[name] = String(value);
  delete headers['Content-Length']; // fetch sets it from the body
  headers.Authorization = authorization;
  try {
    const res = await fetch(details.endpoint, { method: 'POST', headers, body: details.body ?? undefined, redirect: 'error', signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) : AbortSignal.timeout(TIMEOUT_MS) });
    const text = res.ok ? '' : await res.text().catch(() => '');
    if (res.ok) await res.body?.cancel().catch(() => undefined);
    return outcomeOf(res.status, res.headers.get('retry-after'), text);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, retry: true, reason: `push service unreachable: ${cause ?? (err as Error).message}` };
  }
}
