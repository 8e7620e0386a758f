import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { forEachMediaStore } from '../../../test-support/media-stores.js';
import type { MediaKey } from '../storage/media-key.js';
import { ApiError } from './errors.js';
import { byteRangeOf, mediaResponse } from './media-response.js';

describe('byteRangeOf', () => {
  it('reads the three single-range forms and ignores what it does not understand', () => {
    expect(byteRangeOf('bytes=0-99')).toEqual({ start: 0, end: 99 });
    expect(byteRangeOf('bytes=100-')).toEqual({ start: 100 });
    expect(byteRangeOf('bytes=-500')).toEqual({ suffix: 500 });
    expect(byteRangeOf(undefined)).toBeNull();
    expect(byteRangeOf('bytes=-')).toBeNull();
    expect(byteRangeOf('bytes=0-1,5-6')).toBeNull();
    expect(byteRangeOf('items=0-1')).toBeNull();
  });
});

forEachMediaStore('mediaResponse', (get) => {
  const bytes = randomBytes(5000);
  const key: MediaKey = { kind: 'incident', sha256: createHash('sha256').update(bytes).digest('hex'), ext: 'mp4' };
  const app = () => {
    const hono = new Hono();
    hono.get('/clip', (c) => mediaResponse(c, get().store, key, 'video/mp4', { etag: `"${key.sha256}"` }));
    hono.onError((err, c) => (err instanceof ApiError ? c.json({ code: err.code }, err.status) : c.text('boom', 500)));
    return hono;
  };

  it('answers whole, a range, a suffix, 416 past the end and 404 when not stored', async () => {
    expect((await app().request('/clip')).status).toBe(404);
    await get().store.put(key, bytes, { maxBytes: 10_000 });

    const whole = await app().request('/clip');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe('5000');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

    const part = await app().request('/clip', { headers: { range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 1000-1999/5000');
    expect(part.headers.get('etag')).toBe(`"${key.sha256}"`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);

    const tail = await app().request('/clip', { headers: { range: 'bytes=-10' } });
    expect(tail.headers.get('content-range')).toBe('bytes 4990-4999/5000');
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(4990))).toBe(true);

    const past = await app().request('/clip', { headers: { range: 'bytes=5000-' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */5000');
  });
});
