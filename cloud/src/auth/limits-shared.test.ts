/**
 * Issue 11: two cloud processes behind a load balancer share one PostgreSQL database, so the login
 * throttle, its lockouts and the citizens' report limit count the attempts made through either.
 * Two real clouds (HTTP over TCP, so both see the client address 127.0.0.1) on one database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresAddress, releasePostgres } from '../../../test-support/databases.js';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../test-support/cloud.js';

const fields = { category: 'trom-cap', description: 'Mất xe máy trước cổng chợ lúc 7 giờ sáng', hamlet: 'ap-1' };

const report = async (cloud: TestCloud) => {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  const res = await fetch(`${cloud.cloud.httpUrl}/api/v1/reports`, { method: 'POST', body });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
};

describe('two cloud processes on one PostgreSQL database', () => {
  let a: TestCloud;
  let b: TestCloud;
  beforeAll(async () => {
    const url = await freshPostgresAddress();
    a = await startTestCloud({ SC_DATABASE_URL: url });
    b = await startTestCloud({ SC_DATABASE_URL: url });
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await releasePostgres();
  });

  it('share the lockout: wrong passwords through one process lock the address out of the account through the other', async () => {
    const wrong = (cloud: TestCloud) => cloud.api('POST', '/api/v1/auth/token', { username: 'admin', password: 'not-it' }, null);
    // alternating processes, as a load balancer would: four wrong, the fifth locks
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await wrong(i % 2 ? b : a)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    for (const cloud of [a, b]) {
      const res = await cloud.api('POST', '/api/v1/auth/token', { username: 'admin', password: TEST_ADMIN_PASSWORD }, null);
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('account_locked');
    }
  });

  it('share the citizens’ report limit: twenty reports through both, the next refused by either', async () => {
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await report(i % 2 ? b : a)).status);
    expect(statuses).toEqual(Array(20).fill(201));
    for (const cloud of [a, b]) {
      const refused = await report(cloud);
      expect(refused.status).toBe(429);
      expect(refused.body.error?.code).toBe('too_many_reports');
      expect(refused.body.error?.message).toMatch(/quá nhiều phản ánh.*thử lại sau khoảng 10 phút/);
    }
  });
});
