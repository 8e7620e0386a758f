import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCloudDatabase, type Db } from '../../db/database.js';
import { AssetStore } from './asset-store.js';

describe('AssetStore', () => {
  let dir: string;
  let db: Db;
  let store: AssetStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-assets-'));
    db = openCloudDatabase(':memory:');
    store = new AssetStore(db, join(dir, 'assets'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const source = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const storedFiles = () => readdirSync(join(dir, 'assets'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());

  it('stores a file under its sha256 and lists it', async () => {
    const file = source('bulletin.ogg', 'OggS pretend opus');
    const expected = createHash('sha256').update('OggS pretend opus').digest('hex');
    const asset = await store.put(file, 'audio/ogg', 1234.4);
    expect(asset).toEqual({ sha256: expected, bytes: 17, durationMs: 1234, mime: 'audio/ogg' });
    expect(store.get(expected)).toEqual(asset);
    const path = store.path(expected);
    expect(path).toBe(join(dir, 'assets', expected.slice(0, 2), `${expected}.ogg`));
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(basename(path, '.ogg'));
    expect(existsSync(file)).toBe(true);
  });

  it('keeps one row and one file for the same content stored twice', async () => {
    const first = await store.put(source('a.mp3', 'ID3 same bytes'), 'audio/mpeg', 5000);
    const second = await store.put(source('b.mp3', 'ID3 same bytes'), 'audio/mpeg', 5000);
    expect(second).toEqual(first);
    expect(db.prepare('SELECT COUNT(*) AS n FROM audio_assets').get()).toEqual({ n: 1 });
    expect(storedFiles().map((entry) => entry.name)).toEqual([`${first.sha256}.mp3`]);
  });

  it('writes the file back if it went missing from disk', async () => {
    const asset = await store.put(source('a.mp3', 'ID3 lost'), 'audio/mpeg', 5000);
    rmSync(store.path(asset.sha256));
    await store.put(source('b.mp3', 'ID3 lost'), 'audio/mpeg', 5000);
    expect(readFileSync(store.path(asset.sha256), 'utf8')).toBe('ID3 lost');
  });

  it('knows nothing of unknown or malformed hashes', () => {
    expect(store.get('0'.repeat(64))).toBeNull();
    expect(store.get('../../etc/passwd')).toBeNull();
    expect(() => store.path('../../etc/passwd')).toThrow(/no audio asset/);
  });

  it('refuses empty files and zero durations, leaving no trace', async () => {
    await expect(store.put(source('empty.ogg', ''), 'audio/ogg', 1000)).rejects.toThrow(/empty file/);
    await expect(store.put(source('x.ogg', 'OggS'), 'audio/ogg', 0)).rejects.toThrow(/at least 1 ms/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM audio_assets').get()).toEqual({ n: 0 });
    expect(existsSync(join(dir, 'assets'))).toBe(false);
  });
});
