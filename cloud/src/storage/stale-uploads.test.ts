import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { waitFor } from '../../../test-support/wait.js';
import { LocalMediaStore } from './local-media-store.js';
import { cleanStaleUploads, STALE_UPLOAD_MS } from './stale-uploads.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sc-stale-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("removes at start the uploads a crash cut short, of every kind, and leaves the young ones (another process's upload)", async () => {
  const part = (kind: string, name: string, ageMs: number) => {
    mkdirSync(join(dir, kind, 'tmp'), { recursive: true });
    const file = join(dir, kind, 'tmp', name);
    writeFileSync(file, 'half an upload');
    const when = (Date.now() - ageMs) / 1000;
    utimesSync(file, when, when);
    return file;
  };
  const stale = [part('incidents', 'a.part', STALE_UPLOAD_MS + 60_000), part('assets', 'b.part', STALE_UPLOAD_MS + 60_000), part('reports', 'c.part', 2 * STALE_UPLOAD_MS)];
  const young = part('incidents', 'd.part', STALE_UPLOAD_MS - 60_000);
  const cleaner = cleanStaleUploads(new LocalMediaStore(dir), silentLogger());
  try {
    await waitFor(() => stale.every((file) => !existsSync(file)), 'the stale uploads removed');
    expect(existsSync(young)).toBe(true);
  } finally {
    cleaner.stop();
  }
});
