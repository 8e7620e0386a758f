import { describe, expect, it } from 'vitest';
import { hashPassword, passwordHashingStats, verifyPassword } from './secrets.js';

describe('passwords', () => {
  it('hashes with scrypt and checks, refusing another password and a malformed hash', async () => {
    const stored = await hashPassword('mật-khẩu-của-cán-bộ');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('mật-khẩu-của-cán-bộ', stored)).toBe(true);
    expect(await verifyPassword('mật-khẩu-khác', stored)).toBe(false);
    expect(await verifyPassword('mật-khẩu-của-cán-bộ', 'plain$text')).toBe(false);
  });

  it('checks at most two passwords at once however many logins arrive together (16 MiB and a pool thread each)', async () => {
    const stored = await hashPassword('mat-khau-dung');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => verifyPassword(i % 3 ? 'sai' : 'mat-khau-dung', stored)));
    expect(results.filter(Boolean)).toHaveLength(4);
    expect(passwordHashingStats().peakRunning).toBe(2);
    expect(passwordHashingStats()).toMatchObject({ running: 0, queued: 0 });
  });
});
