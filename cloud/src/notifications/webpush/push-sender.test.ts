import webpush from 'web-push';
import { describe, expect, it } from 'vitest';
import { outcomeOf, retryAfterMs, VapidSigner } from './push-sender.js';

const claims = (header: string) => JSON.parse(Buffer.from(header.split(' t=')[1]!.split('.')[1]!, 'base64url').toString('utf8')) as { aud: string; exp: number; sub: string };

describe('the VAPID signer', () => {
  const keys = { ...webpush.generateVAPIDKeys(), subject: 'mailto:quantri@vitan.gov.vn' };

  it('signs once per push service and reuses the header until an hour before its expiry', () => {
    let now = Date.UTC(2026, 11, 6, 8, 0);
    const signer = new VapidSigner(keys, () => now);
    const a = signer.authorization('https://fcm.googleapis.com/fcm/send/abc');
    expect(a).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
    expect(claims(a)).toEqual({ aud: 'https://fcm.googleapis.com', exp: now / 1000 + 12 * 3600, sub: keys.subject });
    expect(signer.authorization('https://fcm.googleapis.com/fcm/send/other-device')).toBe(a);
    const mozilla = signer.authorization('https://updates.push.services.mozilla.com/wpush/v2/x');
    expect(claims(mozilla).aud).toBe('https://updates.push.services.mozilla.com');
    now += 10 * 3600_000; // 2 h left: still used
    expect(signer.authorization('https://fcm.googleapis.com/fcm/send/abc')).toBe(a);
    now += 1.5 * 3600_000; // half an hour left: renewed
    const renewed = signer.authorization('https://fcm.googleapis.com/fcm/send/abc');
    expect(renewed).not.toBe(a);
    expect(claims(renewed).exp).toBe(now / 1000 + 12 * 3600);
  });
});

describe('a push service\'s answer', () => {
  it('Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 11, 6, 8, 0, 0);
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sun, 06 Dec 2026 08:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it('maps each status to sent, retry or give up', () => {
    expect(outcomeOf(201, null, '')).toEqual({ ok: true });
    expect(outcomeOf(410, null, 'expired')).toMatchObject({ ok: false, retry: false, gone: true });
    expect(outcomeOf(404, null, '')).toMatchObject({ ok: false, retry: false, gone: true });
    expect(outcomeOf(429, '5', '')).toMatchObject({ ok: false, retry: true, retryAfterMs: 5000 });
    expect(outcomeOf(503, null, 'busy')).toMatchObject({ ok: false, retry: true, reason: 'push service answered 503: busy' });
    expect(outcomeOf(413, null, '')).toMatchObject({ ok: false, retry: false });
    expect(outcomeOf(403, null, '')).toMatchObject({ ok: false, retry: false, reason: expect.stringContaining('VAPID') });
    expect(outcomeOf(400, null, 'bad\n  header')).toEqual({ ok: false, retry: false, reason: 'push service answered 400: bad header' });
  });
});
