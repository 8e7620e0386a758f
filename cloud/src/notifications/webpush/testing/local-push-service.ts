import { createECDH, createPublicKey, randomBytes, verify, type ECDH, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

// http_ece ships no types: the one call the tests make
const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(body: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string }): Buffer;
};

/** What a browser hands the page after pushManager.subscribe (PushSubscription.toJSON()). */
export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A push the service accepted, decrypted as the browser would. */
export interface ReceivedPush {
  /** The id in the endpoint's path. */
  device: string;
  payload: Record<string, unknown>;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  /** The VAPID JWT's claims. */
  claims: { aud: string; exp: number; sub: string };
  at: number;
}

/** A scripted answer instead of 201 (a gone subscription, a rate limit, a failure). */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

interface Device {
  ecdh: ECDH;
  auth: string;
  /** Answers to give before accepting again, in order; `gone` answers 410 for ever. */
  script: ScriptedAnswer[];
  gone: boolean;
}

/**
 * A push service on 127.0.0.1 that speaks RFC 8030 as far as a sender sees it, and checks what a
 * real one checks: POST with TTL, Content-Encoding aes128gcm, a VAPID Authorization (RFC 8292:
 * `vapid t=<JWT>, k=<public key>`) whose ES256 signature verifies against k, whose audience is this
 * origin and which has not expired; answers 201 Created with a Location. It also plays the
 * browser: each device it hands out has an ECDH P-256 key pair and an auth secret, and every push
 * is decrypted (RFC 8291) with them, so a test reads the payload the service worker would get.
 */
export async function startLocalPushService(options: { vapidPublicKey?: string } = {}) {
  const devices = new Map<string, Device>();
  const received: ReceivedPush[] = [];
  const refused: { device: string; status: number; reason: string }[] = [];
  const waiters: (() => void)[] = [];

  const answer = (res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(reason);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, origin: string) => {
    const match = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const device = match ? devices.get(match[1]!) : undefined;
    const refuse = (status: number, reason: string) => {
      refused.push({ device: match?.[1] ?? '?', status, reason });
      answer(res, status, reason);
    };
    if (req.method !== 'POST') return refuse(405, 'POST only');
    if (!match || !device) return refuse(404, 'no such subscription');
    if (device.gone) return refuse(410, 'subscription expired');
    const ttl = req.headers.ttl;
    if (ttl === undefined || !/^\d+$/.test(String(ttl))) return refuse(400, 'TTL header missing or not a number');
    if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(415, 'Content-Encoding must be aes128gcm');
    const claims = checkVapid(String(req.headers.authorization ?? ''), origin, options.vapidPublicKey);
    if (typeof claims === 'string') return refuse(403, claims);
    if (body.length > 4096) return refuse(413, 'payload over 4096 bytes');
    const scripted = device.script.shift();
    if (scripted) return answer(res, scripted.status, scripted.body ?? '', scripted.headers);
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(ece.decrypt(body, { version: 'aes128gcm', privateKey: device.ecdh, authSecret: device.auth }).toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      return refuse(400, `cannot decrypt: ${(err as Error).message}`);
    }
    const urgency = req.headers.urgency;
    const topic = req.headers.topic;
    received.push({ device: match[1]!, payload, ttl: Number(ttl), urgency: typeof urgency === 'string' ? urgency : null, topic: typeof topic === 'string' ? topic : null, claims, at: Date.now() });
    for (const wake of waiters.splice(0)) wake();
    answer(res, 201, '', { location: `${origin}/message/${randomBytes(8).toString('hex')}` });
  };

  let origin = '';
  const server = createServer((req, res) => {
    handle(req, res, origin).catch((err: unknown) => answer(res, 500, String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    refused,
    /** A new device: what its browser would give the page to send to the cloud. */
    newDevice(): BrowserSubscription & { id: string } {
      const id = randomBytes(9).toString('base64url');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16).toString('base64url');
      devices.set(id, { ecdh, auth, script: [], gone: false });
      return { id, endpoint: `${origin}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth } };
    },
    /** The next pushes to this device get these answers (then 201 again). */
    script(id: string, ...answers: ScriptedAnswer[]) {
      devices.get(id)!.script.push(...answers);
    },
    /** The device unsubscribed or its browser was reset: 410 Gone from now on. */
    expire(id: string) {
      devices.get(id)!.gone = true;
    },
    for(id: string): ReceivedPush[] {
      return received.filter((r) => r.device === id);
    },
    /** Resolves once `count` pushes in all were accepted. */
    async waitFor(count: number, timeoutMs = 10_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`the local push service received ${received.length} pushes, expected ${count}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type LocalPushService = Awaited<ReturnType<typeof startLocalPushService>>;

/** Application server keys seen, as key objects (a bench sends thousands of pushes with one). */
const publicKeys = new Map<string, KeyObject>();

/** RFC 8292 §2–3: `vapid t=<JWT>, k=<key>`, ES256 by k, aud = this origin, exp within 24 h. Returns the claims or why not. */
function checkVapid(header: string, origin: string, expectedKey: string | undefined): { aud: string; exp: number; sub: string } | string {
  const m = /^vapid\s+t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header.trim());
  if (!m) return 'Authorization is not `vapid t=…, k=…`';
  const [jwt, k] = [m[1]!, m[2]!];
  if (expectedKey && k !== expectedKey) return 'k is not the application server key the subscription was made with';
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'the JWT does not have three parts';
  const [head, claims, signature] = parts as [string, string, string];
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
  let key = publicKeys.get(k);
  if (!key) {
    key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
    publicKeys.set(k, key);
  }
  const headerJson = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
  if (headerJson.alg !== 'ES256') return 'the JWT is not ES256';
  const ok = verify('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!ok) return 'the JWT signature does not verify against k';
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { aud: string; exp: number; sub: string };
  if (body.aud !== origin) return `aud ${body.aud} is not this push service (${origin})`;
  const now = Date.now() / 1000;
  if (!(body.exp > now) || body.exp > now + 24 * 3600) return 'exp is past or more than 24 hours ahead';
  if (!/^(mailto:|https:)/.test(body.sub ?? '')) return 'sub is not a mailto: or https: contact';
  return body;
}
