import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../test-support/cloud.js';
import { citizenReportBody, loginAddresses } from '../../../test-support/client-address.js';

/**
 * A login over real TCP from a chosen loopback address (the whole of 127.0.0.0/8 is this machine),
 * with an X-Forwarded-For header as a proxy (or a citizen pretending) writes it.
 */
function loginFrom(localAddress: string, baseUrl: string, password: string, forwardedFor?: string | string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username: 'admin', password });
    const headers: Record<string, string | string[] | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
    const req = request(`${baseUrl}/api/v1/auth/token`, { method: 'POST', localAddress, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A citizen's report (the public form's multipart body) over real TCP from a chosen loopback address. */
async function reportFrom(localAddress: string, baseUrl: string, forwardedFor: string): Promise<number> {
  const { body, contentType } = await citizenReportBody();
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': contentType, 'content-length': body.length, 'x-forwarded-for': forwardedFor };
    const req = request(`${baseUrl}/api/v1/reports`, { method: 'POST', localAddress, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('client address behind a trusted proxy (SC_TRUSTED_PROXIES)', () => {
  let test: TestCloud;
  beforeAll(async () => {
    // 127.0.0.2 plays HAProxy; 10.0.0.0/8 an inner proxy tier
    test = await startTestCloud({ SC_TRUSTED_PROXIES: '127.0.0.2, 10.0.0.0/8' });
  });
  afterAll(async () => {
    await test.stop();
  });

  it('records the client the proxy names, ignores what a client wrote itself, and believes no one else', async () => {
    const url = test.cloud.httpUrl;
    const before = (await loginAddresses(test)).length; // the test kit's own admin login
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, '203.0.113.7')).toBe(200);
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, '198.51.100.1, 10.1.2.3')).toBe(200);
    // the citizen sent "X-Forwarded-For: 1.2.3.4"; a proxy appended the address it saw, to that line
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, '1.2.3.4, 203.0.113.8')).toBe(200);
    // or, as HAProxy's option forwardfor does, on a header line of its own
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, ['1.2.3.4', '203.0.113.10'])).toBe(200);
    // straight to the cloud, not through the proxy: the header is the client's own and ignored
    expect(await loginFrom('127.0.0.3', url, TEST_ADMIN_PASSWORD, '203.0.113.9')).toBe(200);
    // through the proxy without a header: the proxy is all there is to know
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD)).toBe(200);
    expect((await loginAddresses(test)).slice(before)).toEqual(['203.0.113.7', '198.51.100.1', '203.0.113.8', '203.0.113.10', '127.0.0.3', '127.0.0.2']);
  });

  it('throttles the guessing client, not everyone behind the proxy', async () => {
    const url = test.cloud.httpUrl;
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await loginFrom('127.0.0.2', url, `guess-${i}`, '203.0.113.50'));
    expect(guesses).toEqual([401, 401, 401, 401, 429, 429]);
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, '203.0.113.50')).toBe(429);
    // another citizen behind the same proxy is not locked out
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, '203.0.113.51')).toBe(200);
    const guessed = (await test.api('GET', '/api/v1/audit?action=auth.account_guessed')).body.items;
    expect(guessed).toHaveLength(1);
    expect(guessed[0]).toMatchObject({ target: 'user:admin', ip: '203.0.113.50' });
  });

  it("holds each citizen behind the proxy to their own report limit", async () => {
    const url = test.cloud.httpUrl;
    const first: number[] = [];
    for (let i = 0; i < 21; i++) first.push(await reportFrom('127.0.0.2', url, '203.0.113.60'));
    expect(first).toEqual([...Array(20).fill(201), 429]);
    // a neighbour behind the same proxy still reports; the first one, rewriting its own header, does not
    expect(await reportFrom('127.0.0.2', url, '203.0.113.61')).toBe(201);
    expect(await reportFrom('127.0.0.2', url, '198.51.100.9, 203.0.113.60')).toBe(429);
  });
});

describe('client address with no trusted proxy (the default)', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  });
  afterAll(async () => {
    await test.stop();
  });

  it('is the socket peer: a forged X-Forwarded-For neither changes the audit log nor escapes the throttle', async () => {
    const url = test.cloud.httpUrl;
    const before = (await loginAddresses(test)).length;
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, '203.0.113.7')).toBe(200);
    expect((await loginAddresses(test)).slice(before)).toEqual(['127.0.0.2']);

    // a guesser writing a new address into each request is still one address
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await loginFrom('127.0.0.4', url, `guess-${i}`, `198.51.100.${i}`));
    expect(guesses).toEqual([401, 401, 401, 401, 429, 429]);
    expect(await loginFrom('127.0.0.4', url, TEST_ADMIN_PASSWORD, '198.51.100.200')).toBe(429);
    const guessed = (await test.api('GET', '/api/v1/audit?action=auth.account_guessed')).body.items;
    expect(guessed[0]).toMatchObject({ target: 'user:admin', ip: '127.0.0.4' });
  });
});
