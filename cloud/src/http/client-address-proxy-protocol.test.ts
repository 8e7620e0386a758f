import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, TEST_ADMIN_PASSWORD, type TestCloud } from '../../../test-support/cloud.js';
import { citizenReportBody, loginAddresses } from '../../../test-support/client-address.js';
import { ConfigError, loadCloudConfig } from '../config.js';

/** A PROXY v1 line as HAProxy's `send-proxy` writes it. */
const v1 = (source: string) => Buffer.from(`PROXY TCP4 ${source} 127.0.0.1 41000 8080\r\n`, 'latin1');

/** A PROXY v2 header as `send-proxy-v2` writes it (PROXY command, TCP over IPv4). */
const v2 = (source: string) =>
  Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c, ...source.split('.').map(Number), 127, 0, 0, 1, 0xa0, 0x28, 0x1f, 0x90]);

interface Sent {
  /** The bytes the connection starts with before HTTP (a PROXY header), if any. */
  header?: Buffer;
  forwardedFor?: string;
}

/** An HTTP request over real TCP from a chosen loopback address (127.0.0.2 plays HAProxy), after an optional PROXY header; its status, or 0 when the cloud closed the connection unanswered. */
function send(localAddress: string, url: string, method: string, body: Buffer, headers: Record<string, string | number>, sent: Sent): Promise<number> {
  return new Promise((resolve) => {
    const all: Record<string, string | number> = { ...headers, 'content-length': body.length };
    if (sent.forwardedFor !== undefined) all['x-forwarded-for'] = sent.forwardedFor;
    const { hostname, port } = new URL(url);
    const req = request(url, {
      method,
      headers: all,
      createConnection: () => {
        const socket = connect({ host: hostname, port: Number(port), localAddress });
        if (sent.header) socket.write(sent.header);
        return socket;
      },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function loginFrom(localAddress: string, baseUrl: string, password: string, sent: Sent): Promise<number> {
  const body = Buffer.from(JSON.stringify({ username: 'admin', password }));
  return send(localAddress, `${baseUrl}/api/v1/auth/token`, 'POST', body, { 'content-type': 'application/json' }, sent);
}

/** A citizen's report (the public form's multipart body): a body that follows the PROXY header through to the route. */
async function reportFrom(localAddress: string, baseUrl: string, sent: Sent): Promise<number> {
  const { body, contentType } = await citizenReportBody();
  return send(localAddress, `${baseUrl}/api/v1/reports`, 'POST', body, { 'content-type': contentType }, sent);
}

describe('client address from a trusted proxy’s PROXY header (SC_PROXY_PROTOCOL=1)', () => {
  let test: TestCloud;
  beforeAll(async () => {
    // 127.0.0.2 plays HAProxy with send-proxy(-v2); the test kit itself talks straight from 127.0.0.1
    test = await startTestCloud({ SC_TRUSTED_PROXIES: '127.0.0.2', SC_PROXY_PROTOCOL: '1' });
  });
  afterAll(async () => {
    await test.stop();
  });

  it('records the client the v1 or v2 header names, whatever X-Forwarded-For says, and the peer of anyone connecting directly', async () => {
    const url = test.cloud.httpUrl;
    const before = (await loginAddresses(test)).length;
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, { header: v1('203.0.113.7') })).toBe(200);
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, { header: v2('198.51.100.1') })).toBe(200);
    // relayed untouched at layer 4, the header is the client's own: the PROXY source stands
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, { header: v2('198.51.100.2'), forwardedFor: '192.0.2.99' })).toBe(200);
    expect(await loginFrom('127.0.0.3', url, TEST_ADMIN_PASSWORD, { forwardedFor: '192.0.2.99' })).toBe(200);
    expect((await loginAddresses(test)).slice(before)).toEqual(['203.0.113.7', '198.51.100.1', '198.51.100.2', '127.0.0.3']);
  });

  it('throttles the guessing client, not everyone behind the proxy', async () => {
    const url = test.cloud.httpUrl;
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await loginFrom('127.0.0.2', url, `guess-${i}`, { header: i % 2 ? v1('203.0.113.50') : v2('203.0.113.50') }));
    expect(guesses).toEqual([401, 401, 401, 401, 429, 429]);
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, { header: v2('203.0.113.50'), forwardedFor: '203.0.113.51' })).toBe(429);
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, { header: v2('203.0.113.51') })).toBe(200);
    const guessed = (await test.api('GET', '/api/v1/audit?action=auth.account_guessed')).body.items;
    expect(guessed).toHaveLength(1);
    expect(guessed[0]).toMatchObject({ target: 'user:admin', ip: '203.0.113.50' });
  });

  it('holds each citizen behind the proxy to their own report limit', async () => {
    const url = test.cloud.httpUrl;
    const first: number[] = [];
    for (let i = 0; i < 21; i++) first.push(await reportFrom('127.0.0.2', url, { header: v2('203.0.113.60') }));
    expect(first).toEqual([...Array(20).fill(201), 429]);
    expect(await reportFrom('127.0.0.2', url, { header: v1('203.0.113.61') })).toBe(201);
  });

  it('closes a connection with a header from anyone else, or without one from the proxy, and goes on serving', async () => {
    const url = test.cloud.httpUrl;
    expect(await loginFrom('127.0.0.3', url, TEST_ADMIN_PASSWORD, { header: v1('203.0.113.70') })).toBe(0);
    expect(await loginFrom('127.0.0.3', url, TEST_ADMIN_PASSWORD, { header: v2('203.0.113.70') })).toBe(0);
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, {})).toBe(0);
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, { header: Buffer.from('PROXY TCP4 203.0.113.70\r\n') })).toBe(0);
    expect(await loginFrom('127.0.0.2', url, TEST_ADMIN_PASSWORD, { header: v1('203.0.113.71') })).toBe(200);
    expect(await loginFrom('127.0.0.3', url, TEST_ADMIN_PASSWORD, {})).toBe(200);
    expect((await loginAddresses(test)).slice(-2)).toEqual(['203.0.113.71', '127.0.0.3']);
  });
});

describe('SC_PROXY_PROTOCOL', () => {
  it('is off unless set, and needs SC_TRUSTED_PROXIES: a start without them is refused naming both', () => {
    expect(loadCloudConfig({}).SC_PROXY_PROTOCOL).toBe('0');
    const load = (env: Record<string, string>) => () => loadCloudConfig(env);
    expect(load({ SC_PROXY_PROTOCOL: '1' })).toThrow(ConfigError);
    expect(load({ SC_PROXY_PROTOCOL: '1' })).toThrow(/SC_PROXY_PROTOCOL=1 needs SC_TRUSTED_PROXIES/);
    expect(load({ SC_PROXY_PROTOCOL: '1', SC_TRUSTED_PROXIES: ' , ' })).toThrow(/SC_PROXY_PROTOCOL=1 needs SC_TRUSTED_PROXIES/);
    expect(load({ SC_PROXY_PROTOCOL: 'yes', SC_TRUSTED_PROXIES: '10.0.0.5' })).toThrow(/SC_PROXY_PROTOCOL/);
    expect(loadCloudConfig({ SC_PROXY_PROTOCOL: '1', SC_TRUSTED_PROXIES: '10.0.0.5' }).SC_PROXY_PROTOCOL).toBe('1');
  });
});
