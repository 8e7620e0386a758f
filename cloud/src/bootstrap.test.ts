import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@smart-commune/shared/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from './bootstrap.js';
import { openCloudDatabase, type Db } from './db/database.js';
import { UserStore } from './users/user-store.js';
import { sqliteQueryDatabase } from './db/query/index.js';

describe('the first admin', () => {
  let dir: string;
  let db: Db;
  let users: UserStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-bootstrap-'));
    db = openCloudDatabase(join(dir, 'cloud.db'));
    users = new UserStore(sqliteQueryDatabase(db));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['password', '12345678', 'aaaaaaaa', 'abcdefgh'])('refuses SC_ADMIN_PASSWORD=%s and creates nobody', async (password) => {
    await expect(ensureFirstAdmin(users, dir, 'admin', password, silentLogger())).rejects.toThrow(/^SC_ADMIN_PASSWORD is too easy to guess: /);
    expect(await users.count()).toBe(0);
  });

  it('is not made to change a password the operator chose or was given, so the demo and scripts can log in', async () => {
    const chosen = await ensureFirstAdmin(users, dir, 'admin', 'mat-khau-quan-tri-xa', silentLogger());
    expect(chosen.password).toBe('mat-khau-quan-tri-xa');
    expect((await users.list())[0]).toMatchObject({ username: 'admin', role: 'admin', mustChangePassword: false });
  });

  it('generates a strong password into the data dir when none is given', async () => {
    const generated = await ensureFirstAdmin(users, dir, 'admin', undefined, silentLogger());
    expect(generated.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(readFileSync(generated.passwordFile!, 'utf8').trim()).toBe(generated.password);
    expect((await users.list())[0]!.mustChangePassword).toBe(false);
  });
});
