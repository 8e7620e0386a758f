import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { AssetStore } from './asset-store.js';

forEachDatabase('AssetStore', (get) => {
  let dir: string;
  let store: AssetStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-assets-'));
    store = new AssetStore(get(), join(dir, 'assets'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const source = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const storedFiles = () => readdirSync(join(dir, 'assets'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  const rows = async () => (await get().db.selectFrom('audio_assets').selectAll().execute()).length;

  it('stores a file under its sha256 and lists it', async () => {
    const file = source('bulletin.ogg', 'OggS pretend opus');
    const expected = createHash('sha256').update('OggS pretend opus').digest('hex');
    const asset = await store.put(file, 'audio/ogg', 1234.4);
    expect(asset).toEqual({ sha256: expected, bytes: 17, durationMs: 1234, mime: 'audio/ogg' });
    expect(await store.get(expected)).toEqual(asset);
    const path = await store.path(expected);
    expect(path).toBe(join(dir, 'assets', expected.slice(0, 2), `${expected}.ogg`));
    expect(store.pathOf(asset)).toBe(path);
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(basename(path, '.ogg'));
    expect(existsSync(file)).toBe(true);
  });

  it('keeps one row and one file for the same content stored twice, also at once', async () => {
    const first = await store.put(source('a.mp3', 'ID3 same bytes'), 'audio/mpeg', 5000);
    const second = await store.put(source('b.mp3', 'ID3 same bytes'), 'audio/mpeg', 5000);
    expect(second).toEqual(first);
    // two uploads of one file racing: the second insert does nothing, both answer the one asset
    const [x, y] = await Promise.all([store.put(source('c.mp3', 'ID3 raced'), 'audio/mpeg', 7000), store.put(source('d.mp3', 'ID3 raced'), 'audio/mpeg', 7000)]);
    expect(y).toEqual(x);
    expect(await rows()).toBe(2);
    expect(storedFiles().map((entry) => entry.name).sort()).toEqual([`${first.sha256}.mp3`, `${x.sha256}.mp3`].sort());
  });

  it('keeps the first duration when the same bytes come again with another one', async () => {
    const first = await store.put(source('a.ogg', 'OggS dup'), 'audio/ogg', 1000);
    expect(await store.put(source('b.ogg', 'OggS dup'), 'audio/ogg', 2000)).toEqual(first);
  });

  it('writes the file back if it went missing from disk', async () => {
    const asset = await store.put(source('a.mp3', 'ID3 lost'), 'audio/mpeg', 5000);
    rmSync(await store.path(asset.sha256));
    await store.put(source('b.mp3', 'ID3 lost'), 'audio/mpeg', 5000);
    expect(readFileSync(await store.path(asset.sha256), 'utf8')).toBe('ID3 lost');
  });

  it('knows nothing of unknown or malformed hashes', async () => {
    expect(await store.get('0'.repeat(64))).toBeNull();
    expect(await store.get('../../etc/passwd')).toBeNull();
    await expect(store.path('../../etc/passwd')).rejects.toThrow(/no audio asset/);
  });

  it('refuses empty files and zero durations, leaving no trace', async () => {
    await expect(store.put(source('empty.ogg', ''), 'audio/ogg', 1000)).rejects.toThrow(/empty file/);
    await expect(store.put(source('x.ogg', 'OggS'), 'audio/ogg', 0)).rejects.toThrow(/at least 1 ms/);
    expect(await rows()).toBe(0);
    expect(existsSync(join(dir, 'assets'))).toBe(false);
  });
});
