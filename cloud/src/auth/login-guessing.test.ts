import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../test-support/cloud.js';

/** A login over real TCP from a chosen loopback address (the whole of 127.0.0.0/8 is this machine). */
function loginFrom(localAddress: string, baseUrl: string, username: string, password: string): Promise<{ status: number; retryAfter: number | null; body: any }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username, password });
    const req = request(`${baseUrl}/api/v1/auth/token`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] ? Number(res.headers['retry-after']) : null, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('password guessing from one address', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  });
  afterAll(async () => {
    await test.stop();
  });

  it('locks out only the guessing address and tells the admins the account is being guessed', async () => {
    const url = test.cloud.httpUrl;
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await loginFrom('127.0.0.2', url, 'admin', `guess-${i}`));
    expect(guesses.map((g) => g.status)).toEqual([401, 401, 401, 401, 429, 429]);
    expect(guesses[4]!.body.error.code).toBe('account_locked');
    expect(guesses[4]!.retryAfter).toBe(300);
    // even the right password waits, from that address
    expect((await loginFrom('127.0.0.2', url, 'admin', TEST_ADMIN_PASSWORD)).status).toBe(429);

    // the real admin, from another address, is not locked out
    const real = await loginFrom('127.0.0.1', url, 'admin', TEST_ADMIN_PASSWORD);
    expect(real.status).toBe(200);
    expect(real.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const guessed = (await test.api('GET', '/api/v1/audit?action=auth.account_guessed')).body.items;
    expect(guessed).toHaveLength(1);
    expect(guessed[0]).toMatchObject({ actor: 'system', target: 'user:admin', ip: '127.0.0.2', details: { trigger: 'lockout', addresses: 1, failures: 5, knownAccount: true } });
    const metrics = (await test.api('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toMatch(/^sc_auth_accounts_guessed_total 1$/m);
    expect(metrics).toMatch(/^sc_auth_login_failures_total\{reason="wrong_password"\} 5$/m);
    expect(metrics).toMatch(/^sc_auth_login_refused_total\{reason="account_locked"\} 2$/m);
  });
});
