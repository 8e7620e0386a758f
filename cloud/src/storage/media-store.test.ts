import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forEachMediaStore } from '../../../test-support/media-stores.js';
import { InvalidMediaKey, type MediaKey, type MediaKind } from './media-key.js';
import { MediaHashMismatch, MediaNotFound, MediaTooLarge, RangeNotSatisfiable, resolveRange, type MediaRead } from './media-store.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const keyOf = (bytes: Uint8Array, kind: MediaKind = 'incident', ext = 'jpg'): MediaKey => ({ kind, sha256: sha(bytes), ext });

async function bytesOf(read: MediaRead): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of read.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bytes in chunks, as a request body arrives. */
async function* chunked(bytes: Buffer, size = 64 * 1024) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Files left anywhere under a folder (leftovers of a refused upload would show here). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const MB = 1024 * 1024;

forEachMediaStore(
  'media store contract',
  (get) => {
    it('gives back byte-identical what was put from a stream, bytes or a file, and heads its size', async () => {
      const { store, dir } = get();
      const clip = randomBytes(MB + 123);
      const put = await store.put(keyOf(clip, 'incident', 'mp4'), chunked(clip), { maxBytes: 2 * MB });
      expect(put).toEqual({ key: keyOf(clip, 'incident', 'mp4'), bytes: clip.length, created: true });
      expect(await store.head(put.key)).toEqual({ size: clip.length });
      const whole = await store.read(put.key);
      expect({ size: whole.size, start: whole.start, end: whole.end }).toEqual({ size: clip.length, start: 0, end: clip.length - 1 });
      expect((await bytesOf(whole)).equals(clip)).toBe(true);

      const photo = randomBytes(4000);
      await store.put(keyOf(photo, 'report'), photo, { maxBytes: MB });
      expect((await bytesOf(await store.read(keyOf(photo, 'report')))).equals(photo)).toBe(true);

      const audio = randomBytes(70_000);
      const file = join(dir, 'bulletin.ogg');
      writeFileSync(file, audio);
      await store.put(keyOf(audio, 'audio', 'ogg'), { file }, { maxBytes: MB });
      expect((await bytesOf(await store.read(keyOf(audio, 'audio', 'ogg')))).equals(audio)).toBe(true);
      expect(filesUnder(dir)).toContain(file); // the caller keeps its file
    });

    it('reads the first bytes, the middle, a suffix and a clamped end, and refuses a range past the end with the size', async () => {
      const { store } = get();
      const bytes = randomBytes(10_000);
      const key = keyOf(bytes);
      await store.put(key, bytes, { maxBytes: MB });

      const first = await store.read(key, { start: 0, end: 9 });
      expect({ size: first.size, start: first.start, end: first.end }).toEqual({ size: 10_000, start: 0, end: 9 });
      expect((await bytesOf(first)).equals(bytes.subarray(0, 10))).toBe(true);

      const middle = await store.read(key, { start: 4000, end: 5999 });
      expect((await bytesOf(middle)).equals(bytes.subarray(4000, 6000))).toBe(true);

      const suffix = await store.read(key, { suffix: 300 });
      expect([suffix.start, suffix.end]).toEqual([9700, 9999]);
      expect((await bytesOf(suffix)).equals(bytes.subarray(9700))).toBe(true);

      const open = await store.read(key, { start: 9990, end: 50_000 });
      expect([open.start, open.end]).toEqual([9990, 9999]);
      expect((await bytesOf(open)).equals(bytes.subarray(9990))).toBe(true);

      const past = await store.read(key, { start: 10_000 }).catch((err: unknown) => err);
      expect(past).toBeInstanceOf(RangeNotSatisfiable);
      expect((past as RangeNotSatisfiable).size).toBe(10_000);
      await expect(store.read(key, { suffix: 0 })).rejects.toBeInstanceOf(RangeNotSatisfiable);
    });

    it('keeps nothing visible when the bytes do not hash to the key, and names both hashes', async () => {
      const { store, dir } = get();
      const expected = randomBytes(5000);
      const sent = Buffer.from(expected);
      sent[100] = sent[100]! ^ 1;
      const err = await store.put(keyOf(expected), chunked(sent, 1000), { maxBytes: MB }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MediaHashMismatch);
      expect(err).toMatchObject({ expected: sha(expected), actual: sha(sent), bytes: 5000 });
      expect((err as Error).message).toContain(sha(expected));
      expect(await store.head(keyOf(expected))).toBeNull();
      await expect(store.read(keyOf(expected))).rejects.toBeInstanceOf(MediaNotFound);
      expect(await collect(store.list('incident'))).toEqual([]);
      expect(filesUnder(dir)).toEqual([]);
    });

    it('refuses content over the limit while it streams, without reading the rest, and keeps nothing', async () => {
      const { store, dir } = get();
      let pulled = 0;
      const endless = async function* () {
        for (let i = 0; i < 10_000; i++) {
          pulled++;
          yield Buffer.alloc(64 * 1024, i);
        }
      };
      const err = await store.put({ kind: 'incident', sha256: 'a'.repeat(64), ext: 'mp4' }, endless(), { maxBytes: 256 * 1024 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MediaTooLarge);
      expect((err as MediaTooLarge).maxBytes).toBe(256 * 1024);
      expect(pulled).toBeLessThan(10); // stopped at the 5th chunk, not after 640 MB
      expect(await store.head({ kind: 'incident', sha256: 'a'.repeat(64), ext: 'mp4' })).toBeNull();
      expect(filesUnder(dir)).toEqual([]);
    });

    it('takes the same content put several times at once, and again later, as one object', async () => {
      const { store } = get();
      const bytes = randomBytes(300_000);
      const key = keyOf(bytes);
      const puts = await Promise.all(Array.from({ length: 5 }, () => store.put(key, chunked(bytes, 10_000), { maxBytes: MB })));
      expect(puts.every((p) => p.bytes === bytes.length)).toBe(true);
      expect(puts.some((p) => p.created)).toBe(true);
      expect(await store.put(key, bytes, { maxBytes: MB })).toMatchObject({ created: false });
      expect((await bytesOf(await store.read(key))).equals(bytes)).toBe(true);
      expect(await collect(store.list('incident'))).toEqual([{ key, size: bytes.length }]);
    });

    it('deletes an object (answering the bytes freed) and answers a missing key plainly', async () => {
      const { store } = get();
      const bytes = randomBytes(2048);
      const key = keyOf(bytes, 'report');
      await store.put(key, bytes, { maxBytes: MB });
      expect(await store.delete(key)).toBe(2048);
      expect(await store.head(key)).toBeNull();
      await expect(store.read(key)).rejects.toBeInstanceOf(MediaNotFound);
      await expect(store.read(key, { start: 0, end: 1 })).rejects.toBeInstanceOf(MediaNotFound);
      expect(await store.delete(key)).toBe(0);
      expect(await store.head(keyOf(randomBytes(8)))).toBeNull();
    });

    it('lists each kind apart', async () => {
      const { store } = get();
      const [a, b, c] = [randomBytes(10), randomBytes(20), randomBytes(30)];
      await store.put(keyOf(a, 'incident', 'jpg'), a, { maxBytes: MB });
      await store.put(keyOf(b, 'incident', 'mp4'), b, { maxBytes: MB });
      await store.put(keyOf(c, 'report'), c, { maxBytes: MB });
      const incidents = (await collect(store.list('incident'))).sort((x, y) => x.size - y.size);
      expect(incidents).toEqual([
        { key: keyOf(a, 'incident', 'jpg'), size: 10 },
        { key: keyOf(b, 'incident', 'mp4'), size: 20 },
      ]);
      expect(await collect(store.list('report'))).toEqual([{ key: keyOf(c, 'report'), size: 30 }]);
      expect(await collect(store.list('audio'))).toEqual([]);
    });

    it('stores an object larger than one part whole (multipart on S3)', async () => {
      const { store } = get();
      const bytes = randomBytes(11 * MB + 7);
      const key = keyOf(bytes, 'incident', 'mp4');
      await store.put(key, chunked(bytes, MB), { maxBytes: 12 * MB });
      expect(await store.head(key)).toEqual({ size: bytes.length });
      expect((await bytesOf(await store.read(key))).equals(bytes)).toBe(true);
      const across = await store.read(key, { start: 5 * MB - 10, end: 5 * MB + 9 });
      expect((await bytesOf(across)).equals(bytes.subarray(5 * MB - 10, 5 * MB + 10))).toBe(true);
    });

    it('stores empty content, which has no byte to range over', async () => {
      const { store } = get();
      const empty = Buffer.alloc(0);
      expect(await store.put(keyOf(empty), chunked(empty), { maxBytes: 10 })).toMatchObject({ bytes: 0, created: true });
      expect(await store.head(keyOf(empty))).toEqual({ size: 0 });
      const whole = await store.read(keyOf(empty));
      expect([whole.size, (await bytesOf(whole)).length]).toEqual([0, 0]);
      await expect(store.read(keyOf(empty), { start: 0, end: 0 })).rejects.toBeInstanceOf(RangeNotSatisfiable);
    });

    it('removes the temporary files of uploads cut short, once old enough, and nothing else', async () => {
      const { store, dir } = get();
      const kept = randomBytes(100);
      await store.put(keyOf(kept), kept, { maxBytes: MB });
      // where each backend writes an upload in progress (a crash leaves it there)
      const tempDir = store.backend === 'local' ? join(dir, 'incidents', 'tmp') : dir;
      mkdirSync(tempDir, { recursive: true });
      const old = join(tempDir, 'old.part');
      const fresh = join(tempDir, 'fresh.part');
      writeFileSync(old, 'cut short');
      writeFileSync(fresh, 'in progress');
      const hourAgo = new Date(Date.now() - 3600_000);
      utimesSync(old, hourAgo, hourAgo);
      expect(await store.removeStaleUploads(600_000)).toBe(1);
      expect(filesUnder(dir)).toContain(fresh);
      expect(filesUnder(dir)).not.toContain(old);
      expect((await bytesOf(await store.read(keyOf(kept)))).equals(kept)).toBe(true);
    });

    it('refuses a malformed key, naming what is wrong', async () => {
      const { store } = get();
      await expect(store.put({ kind: 'incident', sha256: '../../etc/passwd', ext: 'jpg' }, Buffer.from('x'), { maxBytes: 10 })).rejects.toThrow(InvalidMediaKey);
      await expect(store.head({ kind: 'report', sha256: 'b'.repeat(64), ext: 'mp4' })).rejects.toThrow(/\.mp4 is not an extension of report media/);
    });
  },
  // parts of S3's minimum size, so the 11 MB object above goes up in three
  { partBytes: 5 * MB },
);

describe('resolveRange', () => {
  it('follows HTTP: clamps the end, answers suffixes longer than the object whole, refuses reversed and past-the-end ranges', () => {
    expect(resolveRange(undefined, 10)).toEqual({ start: 0, end: 9 });
    expect(resolveRange({ suffix: 50 }, 10)).toEqual({ start: 0, end: 9 });
    expect(resolveRange({ start: 3 }, 10)).toEqual({ start: 3, end: 9 });
    expect(() => resolveRange({ start: 5, end: 4 }, 10)).toThrow(RangeNotSatisfiable);
    expect(() => resolveRange({ start: 0 }, 0)).toThrow(RangeNotSatisfiable);
    expect(() => resolveRange({ start: -1, end: 3 }, 10)).toThrow(RangeNotSatisfiable);
  });
});
