import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCloudDatabase } from './db/database.js';
import { makePrivateDir } from './private-files.js';

describe('private directories', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-private-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a missing directory 0700 and tightens an existing one', () => {
    makePrivateDir(join(root, 'new', 'deeper'));
    expect(statSync(join(root, 'new', 'deeper')).mode & 0o7777).toBe(0o700);
    mkdirSync(join(root, 'open'));
    chmodSync(join(root, 'open'), 0o755);
    makePrivateDir(join(root, 'open'));
    expect(statSync(join(root, 'open')).mode & 0o7777).toBe(0o700);
  });

  it('refuses a directory shared by every user, like /tmp, and leaves its mode alone', () => {
    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => makePrivateDir(shared)).toThrow(/shared by every user/);
    expect(() => openCloudDatabase(join(shared, 'cloud.db'))).toThrow(/shared by every user/);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
  });
});
