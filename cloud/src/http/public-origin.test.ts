import { request } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type Reply, type TestCloud } from '../../../test-support/cloud.js';
import { ConfigError, loadCloudConfig } from '../config.js';
import { createPublicOrigin, defaultAllowedHosts } from './public-origin.js';

const origin = (options: { publicUrl?: string; allowedHosts?: string; listenHost?: string }) =>
  createPublicOrigin({ publicUrl: options.publicUrl, allowedHosts: options.allowedHosts, listenHost: options.listenHost ?? '127.0.0.1', port: () => 8080 });

describe('createPublicOrigin', () => {
  it('keeps the origin of a request to an allowed host, on the listening port or the scheme default', () => {
    const { publicUrl } = origin({});
    expect(publicUrl('http://127.0.0.1:8080/thong-bao/atom.xml')).toBe('http://127.0.0.1:8080');
    expect(publicUrl('http://LOCALHOST:8080/x')).toBe('http://localhost:8080');
    expect(publicUrl(`http://${hostname().toLowerCase()}/x`)).toBe(`http://${hostname().toLowerCase()}`);
    expect(publicUrl('https://localhost/x')).toBe('https://localhost');
  });

  it('gives any other Host the canonical origin: the first allowed host on the listening port', () => {
    const { publicUrl, trustedOrigin } = origin({});
    expect(publicUrl('http://evil.example/thong-bao/atom.xml')).toBe('http://127.0.0.1:8080');
    expect(trustedOrigin('http://evil.example:8080/x')).toBe('http://127.0.0.1:8080');
    // an allowed name on another port could still send readers elsewhere
    expect(publicUrl('http://localhost:6666/x')).toBe('http://127.0.0.1:8080');
  });

  it('takes SC_ALLOWED_HOSTS instead, an entry with a port allowing exactly that port', () => {
    const { publicUrl } = origin({ allowedHosts: 'xa-vitan.lan, 10.0.0.5:8443,[FD00::1]' });
    expect(publicUrl('http://evil.example/x')).toBe('http://xa-vitan.lan:8080');
    expect(publicUrl('http://xa-vitan.lan:8080/x')).toBe('http://xa-vitan.lan:8080');
    expect(publicUrl('http://10.0.0.5:8443/x')).toBe('http://10.0.0.5:8443');
    expect(publicUrl('http://10.0.0.5:8080/x')).toBe('http://xa-vitan.lan:8080');
    expect(publicUrl('http://[fd00::1]:8080/x')).toBe('http://[fd00::1]:8080');
    expect(publicUrl('http://localhost:8080/x')).toBe('http://xa-vitan.lan:8080');
    expect(origin({ allowedHosts: '10.0.0.5:8443' }).publicUrl('http://evil.example/x')).toBe('http://10.0.0.5:8443');
  });

  it('uses SC_PUBLIC_URL whatever the Host, and for the broker host the trusted request origin', () => {
    const { publicUrl, trustedOrigin } = origin({ publicUrl: 'https://xa-vitan.example/' });
    expect(publicUrl('http://evil.example/x')).toBe('https://xa-vitan.example');
    expect(publicUrl('http://127.0.0.1:8080/x')).toBe('https://xa-vitan.example');
    expect(trustedOrigin('http://evil.example/x')).toBe('http://127.0.0.1:8080');
  });

  it('allows, listening on every interface, the machine\'s own addresses (boxes on the LAN use them)', () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    const allowed = defaultAllowedHosts('0.0.0.0');
    for (const address of own) expect(allowed).toContain(address);
    expect(allowed).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '[::1]']));
    expect(allowed).not.toContain('0.0.0.0');
  });

  it('refuses a malformed SC_ALLOWED_HOSTS at start', () => {
    expect(() => loadCloudConfig({ SC_ALLOWED_HOSTS: 'http://xa.example/' })).toThrow(ConfigError);
    expect(loadCloudConfig({ SC_ALLOWED_HOSTS: 'xa.lan, 10.0.0.5:8443' }).SC_ALLOWED_HOSTS).toBe('xa.lan, 10.0.0.5:8443');
  });
});

describe('a Host header the operator did not allow, on a started cloud', () => {
  let test: TestCloud;
  let canonical: string;
  beforeAll(async () => {
    test = await startTestCloud();
    canonical = test.cloud.httpUrl;
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  /** A request over TCP with the Host header a client chose (fetch does not let a caller set it). */
  const send = (method: string, path: string, host: string, body?: unknown, token?: string): Promise<Reply<any>> =>
    new Promise((resolve, reject) => {
      const { port } = new URL(test.cloud.httpUrl);
      const headers: Record<string, string> = { host };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: (res.headers['content-type'] ?? '').includes('json') ? JSON.parse(text) : text }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  it('keeps evil.example out of the public Atom feed', async () => {
    const feed = await send('GET', '/thong-bao/atom.xml', 'evil.example');
    expect(feed.status).toBe(200);
    expect(feed.body).not.toContain('evil.example');
    expect(feed.body).toContain(`<id>${canonical}/thong-bao</id>`);
  });

  it('keeps it out of the provisioning command and the addresses a claiming box is given', async () => {
    const edge = await test.api('POST', '/api/v1/edges', { name: 'Tủ Ấp 4', hamletCode: 'ap-4' });
    const issued = await send('POST', `/api/v1/edges/${edge.body.id}/claim-tokens`, 'evil.example', undefined, test.adminToken);
    expect(issued.status).toBe(201);
    expect(issued.body.command).toBe(`sc-edge provision --cloud ${canonical} --token ${issued.body.token}`);

    const claimed = await send('POST', '/api/v1/provision/claim', 'evil.example:1883', { token: issued.body.token });
    expect(claimed.status).toBe(200);
    expect(claimed.body.cloudUrl).toBe(canonical);
    expect(claimed.body.mqtt.url).toBe(`mqtt://127.0.0.1:${new URL(test.cloud.mqttUrl).port}`);
  });

  it('still uses the address a request reached when it is an allowed one', async () => {
    const port = new URL(canonical).port;
    const feed = await send('GET', '/thong-bao/atom.xml', `localhost:${port}`);
    expect(feed.body).toContain(`<id>http://localhost:${port}/thong-bao</id>`);
  });
});
