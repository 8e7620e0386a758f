import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@smart-commune/shared/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { liveVoiceSocketPath } from '@smart-commune/shared';
import { ConfigError, loadCloudConfig } from '../config.js';
import { startCloud, type CloudHandle } from '../server.js';
import { loadTlsFiles } from './tls.js';

const dir = mkdtempSync(join(tmpdir(), 'sc-tls-'));
const certPath = join(dir, 'cert.pem');
const keyPath = join(dir, 'key.pem');

/** Status, headers and body of a GET, trusting only the test's own certificate. */
function get(url: string, ca?: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { ca, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS served by the cloud itself (SC_TLS_CERT, SC_TLS_KEY)', () => {
  let cloud: CloudHandle;
  let cert: Buffer;

  beforeAll(async () => {
    // a self-signed certificate for 127.0.0.1, made by openssl as an operator would for a LAN test
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
    cert = readFileSync(certPath);
    const config = loadCloudConfig({}, { SC_DATA_DIR: join(dir, 'data'), SC_HTTP_PORT: 0, SC_MQTT_PORT: 0, SC_ADMIN_PASSWORD: 'test-admin-password', SC_LOG_LEVEL: 'silent', SC_TLS_CERT: certPath, SC_TLS_KEY: keyPath });
    cloud = await startCloud(config, { logger: silentLogger() });
  }, 30_000);

  afterAll(async () => {
    await cloud?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers over TLS with the given certificate, and its address says https', async () => {
    expect(cloud.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await get(`${cloud.httpUrl}/healthz`, cert);
    expect(health.status).toBe(200);
    // a client that does not trust the certificate is refused by TLS, not served
    await expect(get(`${cloud.httpUrl}/healthz`)).rejects.toThrow(/self.signed|certificate/i);
  });

  it('marks the console cookies Secure, since the connection itself is https', async () => {
    const login = await get(`${cloud.httpUrl}/login`, cert);
    expect(login.status).toBe(200);
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    expect(cookies.find((c) => c.startsWith('sc_login='))).toMatch(/;\s*Secure/i);
  });

  it("upgrades the live voice's WebSocket over TLS too (wss:), through the app's guard", async () => {
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${cloud.httpUrl.replace('https:', 'wss:')}${liveVoiceSocketPath('lvs_000000000000')}`, { ca: cert, headers });
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('open', () => resolve(101));
        socket.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
      });
    // no credentials: the guard answers; with the admin's token: the route itself (no such session)
    expect(await status({})).toBe(401);
    const token = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(`${cloud.httpUrl}/api/v1/auth/token`, { method: 'POST', ca: cert, headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve((JSON.parse(body) as { token: string }).token));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ username: 'admin', password: 'test-admin-password' }));
    });
    expect(await status({ authorization: `Bearer ${token}` })).toBe(404);
  });

  it('does not speak plain http on that port', async () => {
    const plain = get(cloud.httpUrl.replace('https:', 'http:') + '/healthz');
    // the TLS server answers a plain request with a 400 or drops it: never the page
    const outcome = await plain.then((r) => r.status).catch(() => 'closed');
    expect(outcome === 'closed' || outcome === 400).toBe(true);
  });
});

describe('loadTlsFiles', () => {
  const files = mkdtempSync(join(tmpdir(), 'sc-tls-bad-'));
  afterAll(() => rmSync(files, { recursive: true, force: true }));

  it('is plain http with neither set', () => {
    expect(loadTlsFiles({})).toBeNull();
  });

  it('refuses one without the other, naming the missing variable', () => {
    expect(() => loadTlsFiles({ SC_TLS_CERT: '/etc/ssl/cert.pem' })).toThrow(ConfigError);
    expect(() => loadTlsFiles({ SC_TLS_CERT: '/etc/ssl/cert.pem' })).toThrow(/SC_TLS_KEY: must be set together with SC_TLS_CERT/);
    expect(() => loadTlsFiles({ SC_TLS_KEY: '/etc/ssl/key.pem' })).toThrow(/SC_TLS_CERT: must be set together with SC_TLS_KEY/);
  });

  it('refuses a file it cannot read, naming the variable and the path', () => {
    const key = join(files, 'key.pem');
    writeFileSync(key, 'x');
    expect(() => loadTlsFiles({ SC_TLS_CERT: join(files, 'missing.pem'), SC_TLS_KEY: key })).toThrow(/SC_TLS_CERT: cannot read .*missing\.pem \(ENOENT\)/);
  });

  it('refuses files that are not a certificate and its key', () => {
    const bogus = join(files, 'bogus.pem');
    writeFileSync(bogus, 'not a certificate\n');
    expect(() => loadTlsFiles({ SC_TLS_CERT: bogus, SC_TLS_KEY: bogus })).toThrow(/SC_TLS_CERT\/SC_TLS_KEY: not a PEM certificate and its private key/);
  });
});
