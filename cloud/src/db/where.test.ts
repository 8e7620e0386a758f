import { describe, expect, it } from 'vitest';
import { openCloudDatabase } from './database.js';
import { whereOf } from './where.js';

describe('whereOf', () => {
  it('keeps only the filters that are set, with their parameters', () => {
    expect(whereOf([['a = @a', 'a', 1], ['b = @b', 'b', undefined], ['c >= @c', 'c', null], ['d < @d', 'd', 0]])).toEqual({ sql: 'WHERE a = @a AND d < @d', params: { a: 1, d: 0 } });
    expect(whereOf([['a = @a', 'a', undefined]])).toEqual({ sql: '', params: {} });
  });

  it('lets SQLite search by the filtered column instead of scanning the table', () => {
    const db = openCloudDatabase(':memory:');
    try {
      const plan = (sql: string, params: Record<string, unknown>) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join(' | ');
      const where = whereOf([['action = @action', 'action', 'auth.login'], ['actor = @actor', 'actor', undefined]]);
      expect(plan(`SELECT COUNT(*) FROM audit_log ${where.sql}`, where.params)).toMatch(/SEARCH audit_log USING (COVERING )?INDEX audit_log_action_at/);
      // the shape it replaces: the same filter written to also match "not set"
      expect(plan('SELECT COUNT(*) FROM audit_log WHERE (@action IS NULL OR action = @action)', { action: 'auth.login' })).toMatch(/SCAN audit_log/);
    } finally {
      db.close();
    }
  });
});
