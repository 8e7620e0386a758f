import Database from 'better-sqlite3';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD } from '../../../test-support/cloud.js';

interface Row {
  action: string;
  target: string | null;
  details: string | null;
}

describe('a flood of logins from people who are not logged in', () => {
  it('writes a handful of audit rows carrying the count, and counts every attempt in the metrics', async () => {
    const test = await startTestCloud();
    try {
      // 21 wrong passwords, each for another name: the address is then slowed
      for (let i = 0; i <= 20; i++) expect((await test.request('POST', '/api/v1/auth/token', { username: `guess-${i}`, password: 'x' }, null)).status).toBe(401);
      for (let i = 0; i < 300; i++) {
        const res = await test.request('POST', '/api/v1/auth/token', { username: i % 2 ? 'admin' : `name-${i}`, password: TEST_ADMIN_PASSWORD }, null);
        expect(res.status).toBe(429);
      }
      // at once: the first refusal, so an admin sees it without waiting for the window to end
      const refused = (await test.request('GET', '/api/v1/audit?action=auth.login_refused')).body;
      expect(refused.total).toBe(1);
      expect(refused.items[0]).toMatchObject({ actor: 'public', target: 'user:name-0', details: { reason: 'client_rate' } });
      const metrics = (await test.request('GET', '/metrics', undefined, null)).body as string;
      expect(metrics).toMatch(/^sc_auth_login_refused_total\{reason="client_rate"\} 300$/m);
      expect(metrics).toMatch(/^sc_auth_login_failures_total\{reason="unknown_user"\} 21$/m);
    } finally {
      await test.stop({ keepData: true });
    }

    // when the window ends (here: at shutdown) one more row carries the count of the whole window
    const db = new Database(join(test.dataDir, 'cloud.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT action, target, details FROM audit_log WHERE action = 'auth.login_refused' ORDER BY id").all() as Row[];
      expect(rows).toHaveLength(2);
      const summary = JSON.parse(rows[1]!.details!);
      expect(summary).toMatchObject({ reason: 'client_rate', count: 300 });
      expect(summary.targets).toEqual(['user:name-0', 'user:admin', 'user:name-2', 'user:name-4', 'user:name-6', 'user:name-8', 'user:name-10', 'user:name-12', 'user:name-14', 'user:name-16']);
      expect(summary.lastAt).toBeGreaterThanOrEqual(summary.firstAt);
      expect(rows[1]!.target).toBeNull();
    } finally {
      db.close();
      rmSync(test.dataDir, { recursive: true, force: true });
    }
  });

  it('writes one failed-login row per address, name and window however often the same name fails', async () => {
    const test = await startTestCloud();
    try {
      for (let i = 0; i < 12; i++) {
        const res = await test.request('POST', '/api/v1/auth/token', { username: 'nobody-here', password: `guess-${i}` }, null);
        expect(res.status).toBe(i < 4 ? 401 : 429);
      }
      const failed = (await test.request('GET', '/api/v1/audit?action=auth.login_failed')).body;
      expect(failed.items.map((e: { target: string; details: unknown }) => [e.target, e.details])).toEqual([['user:nobody-here', { reason: 'unknown_user' }]]);
      const locked = (await test.request('GET', '/api/v1/audit?action=auth.login_refused')).body;
      expect(locked.items.map((e: { target: string; details: unknown }) => [e.target, e.details])).toEqual([['user:nobody-here', { reason: 'account_locked' }]]);
    } finally {
      await test.stop({ keepData: true });
    }
    const db = new Database(join(test.dataDir, 'cloud.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT action, target, details FROM audit_log WHERE action LIKE 'auth.login_%' ORDER BY id").all() as Row[];
      expect(rows.map((r) => [r.action, r.target, JSON.parse(r.details!).count ?? 1])).toEqual([
        ['auth.login_failed', 'user:nobody-here', 1],
        ['auth.login_refused', 'user:nobody-here', 1],
        ['auth.login_failed', 'user:nobody-here', 5],
        ['auth.login_refused', 'user:nobody-here', 7],
      ]);
      expect(JSON.parse(rows[2]!.details!)).toMatchObject({ reason: 'unknown_user', lockedForMs: 300_000 });
    } finally {
      db.close();
      rmSync(test.dataDir, { recursive: true, force: true });
    }
  });
});
