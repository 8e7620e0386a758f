import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { forEachMediaStore } from '../../../../test-support/media-stores.js';
import { AssetStore } from './asset-store.js';

forEachDatabase('AssetStore', (get) => {
  forEachMediaStore('in the media store', (media) => {
    let dir: string;
    let store: AssetStore;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'sc-assets-'));
      store = new AssetStore(get(), media().store);
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    const source = (name: string, content: string) => {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    };
    const stored = async () => {
      const names: string[] = [];
      for await (const { key } of media().store.list('audio')) names.push(`${key.sha256}.${key.ext}`);
      return names.sort();
    };
    const rows = async () => (await get().db.selectFrom('audio_assets').selectAll().execute()).length;

    it('stores a file under its sha256 and lists it; reads it back whole, by range and as a local copy', async () => {
      const file = source('bulletin.ogg', 'OggS pretend opus');
      const expected = createHash('sha256').update('OggS pretend opus').digest('hex');
      const asset = await store.put(file, 'audio/ogg', 1234.4);
      expect(asset).toEqual({ sha256: expected, bytes: 17, durationMs: 1234, mime: 'audio/ogg' });
      expect(await store.get(expected)).toEqual(asset);
      expect(store.keyOf(asset)).toEqual({ kind: 'audio', sha256: expected, ext: 'ogg' });
      expect(await stored()).toEqual([`${expected}.ogg`]);
      expect(await text((await store.read(asset)).body)).toBe('OggS pretend opus');
      expect(await text((await store.read(asset, { start: 5, end: 11 })).body)).toBe('pretend');
      const copy = join(dir, 'copy.ogg');
      await store.copyTo(expected, copy);
      expect(readFileSync(copy, 'utf8')).toBe('OggS pretend opus');
      expect(existsSync(file)).toBe(true);
    });

    it('keeps one row and one object for the same content stored twice, also at once', async () => {
      const first = await store.put(source('a.mp3', 'ID3 same bytes'), 'audio/mpeg', 5000);
      const second = await store.put(source('b.mp3', 'ID3 same bytes'), 'audio/mpeg', 5000);
      expect(second).toEqual(first);
      // two uploads of one file racing: the second insert does nothing, both answer the one asset
      const [x, y] = await Promise.all([store.put(source('c.mp3', 'ID3 raced'), 'audio/mpeg', 7000), store.put(source('d.mp3', 'ID3 raced'), 'audio/mpeg', 7000)]);
      expect(y).toEqual(x);
      expect(await rows()).toBe(2);
      expect(await stored()).toEqual([`${first.sha256}.mp3`, `${x.sha256}.mp3`].sort());
    });

    it('keeps the first duration when the same bytes come again with another one', async () => {
      const first = await store.put(source('a.ogg', 'OggS dup'), 'audio/ogg', 1000);
      expect(await store.put(source('b.ogg', 'OggS dup'), 'audio/ogg', 2000)).toEqual(first);
    });

    it('writes the bytes back if they went missing from the store', async () => {
      const asset = await store.put(source('a.mp3', 'ID3 lost'), 'audio/mpeg', 5000);
      await media().store.delete(store.keyOf(asset));
      await expect(store.read(asset)).rejects.toThrow(/no stored media/);
      await store.put(source('b.mp3', 'ID3 lost'), 'audio/mpeg', 5000);
      expect(await text((await store.read(asset)).body)).toBe('ID3 lost');
    });

    it('knows nothing of unknown or malformed hashes', async () => {
      expect(await store.get('0'.repeat(64))).toBeNull();
      expect(await store.get('../../etc/passwd')).toBeNull();
      await expect(store.copyTo('../../etc/passwd', join(dir, 'x'))).rejects.toThrow(/no audio asset/);
    });

    it('refuses empty files and zero durations, leaving no trace', async () => {
      await expect(store.put(source('empty.ogg', ''), 'audio/ogg', 1000)).rejects.toThrow(/empty file/);
      await expect(store.put(source('x.ogg', 'OggS'), 'audio/ogg', 0)).rejects.toThrow(/at least 1 ms/);
      expect(await rows()).toBe(0);
      expect(await stored()).toEqual([]);
    });
  });
});
