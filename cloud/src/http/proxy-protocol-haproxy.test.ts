import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@smart-commune/shared/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyProcess, haproxyServerStates } from '../../../test-support/cluster/haproxy.js';
import { until, type ManagedProcess } from '../../../test-support/cluster/process.js';
import { freePort } from '../../../test-support/ports.js';
import { loadCloudConfig } from '../config.js';
import { startCloud, type CloudHandle } from '../server.js';

const PASSWORD = 'test-admin-password';

/** A login sent to HAProxy from a chosen loopback address (each one a different citizen), with the X-Forwarded-For the client wrote itself. */
function loginThrough(port: number, localAddress: string, password: string, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username: 'admin', password });
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-forwarded-for': forwardedFor };
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/auth/token', method: 'POST', localAddress, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Debian's HAProxy 2.6 in front of a cloud with `send-proxy-v2 check-send-proxy`, as an operator
 * would put it: the cloud trusts HAProxy's address (127.0.0.1) and takes each client from its PROXY
 * header, health checks included. The cloud's own requests here go through `app.request()` (no
 * socket): over TCP from 127.0.0.1 they would come from the proxy's address without a header.
 */
describe('behind HAProxy with send-proxy-v2', () => {
  let dir: string;
  let cloud: CloudHandle;
  let haproxy: ManagedProcess;
  let port: number;
  let statsPort: number;
  let token: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-haproxy-pp-'));
    const config = loadCloudConfig({}, { SC_DATA_DIR: join(dir, 'data'), SC_HTTP_PORT: 0, SC_MQTT_PORT: 0, SC_ADMIN_PASSWORD: PASSWORD, SC_TRUSTED_PROXIES: '127.0.0.1', SC_PROXY_PROTOCOL: '1' });
    const logger = createLogger('sc-cloud', { level: 'warn' }, { write: (line: string) => warnings.push(line) } as unknown as NodeJS.WritableStream);
    cloud = await startCloud(config, { logger });
    [port, statsPort] = [await freePort(), await freePort()];
    haproxy = haproxyProcess(dir, port, statsPort, [{ name: 'cloud-1', port: Number(new URL(cloud.httpUrl).port) }], { sendProxyV2: true });
    await haproxy.start();
    const login = await cloud.app.request('/api/v1/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    token = ((await login.json()) as { token: string }).token;
  }, 30_000);

  afterAll(async () => {
    await haproxy?.stop();
    await cloud?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The audit log's entries of an action, oldest first. */
  async function audited(action: string): Promise<Array<{ ip: string | null; target: string }>> {
    const res = await cloud.app.request(`/api/v1/audit?action=${action}&limit=100`, { headers: { authorization: `Bearer ${token}` } });
    return (((await res.json()) as { items: Array<{ ip: string | null; target: string }> }).items).reverse();
  }

  it('passes HAProxy’s health checks and records each citizen, not HAProxy nor what the citizen wrote', async () => {
    // checks arrive with their own header: the server goes UP only if the cloud answers them
    await until('HAProxy to see the cloud UP', async () => (await haproxyServerStates(statsPort))['cloud-1'] === 'UP', 10_000);
    expect(await loginThrough(port, '127.0.0.5', PASSWORD, '203.0.113.7')).toBe(200);
    expect(await loginThrough(port, '127.0.0.6', PASSWORD, '127.0.0.5')).toBe(200);
    expect((await audited('auth.login')).slice(-2).map((entry) => entry.ip)).toEqual(['127.0.0.5', '127.0.0.6']);
  });

  it('throttles the guessing citizen only', async () => {
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await loginThrough(port, '127.0.0.7', `guess-${i}`, `198.51.100.${i}`));
    expect(guesses).toEqual([401, 401, 401, 401, 429, 429]);
    expect(await loginThrough(port, '127.0.0.8', PASSWORD, '127.0.0.7')).toBe(200);
    expect(await audited('auth.account_guessed')).toMatchObject([{ target: 'user:admin', ip: '127.0.0.7' }]);
    // nothing HAProxy sent was refused, checks included
    expect(warnings.filter((line) => line.includes('PROXY'))).toEqual([]);
  });
});
