import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test-support/ports.js';
import { fetchBounded, type FetchOptions } from './feed-http.js';

describe('fetching a feed or a message', () => {
  let server: Server;
  let base: string;
  let seen: IncomingHttpHeaders | null = null;
  let streamedBytes = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen = req.headers;
      if (req.url === '/declared') return res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) }).end(Buffer.alloc(5 * 1024 * 1024));
      if (req.url === '/streamed') {
        // no length announced: 64 KiB chunks for as long as the client reads
        res.writeHead(200, { 'content-type': 'application/xml' });
        const more = () => {
          while (streamedBytes < 50 * 1024 * 1024 && res.write(Buffer.alloc(64 * 1024, 0x61))) streamedBytes += 64 * 1024;
          if (streamedBytes >= 50 * 1024 * 1024) res.end();
        };
        res.on('drain', more);
        return more();
      }
      if (req.url === '/silent') return; // never answers
      if (req.url === '/moved') return res.writeHead(302, { location: '/index' }).end();
      if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
      res.writeHead(200, { etag: '"v1"', 'last-modified': 'Tue, 27 Oct 2026 07:00:00 GMT', 'content-type': 'application/atom+xml' }).end('<feed/>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const options = (more: Partial<FetchOptions> = {}): FetchOptions => ({ maxBytes: 256 * 1024, timeoutMs: 2000, accept: 'application/cap+xml', signal: new AbortController().signal, ...more });

  it('sends the last validators back and takes a 304 as unchanged; follows a redirect', async () => {
    const first = await fetchBounded(`${base}/moved`, options());
    expect(first).toEqual({ notModified: false, text: '<feed/>', validators: { etag: '"v1"', lastModified: 'Tue, 27 Oct 2026 07:00:00 GMT' } });
    expect(await fetchBounded(`${base}/index`, options({ validators: { etag: '"v1"', lastModified: 'Tue, 27 Oct 2026 07:00:00 GMT' } }))).toEqual({ notModified: true });
    expect(seen).toMatchObject({ 'if-none-match': '"v1"', 'if-modified-since': 'Tue, 27 Oct 2026 07:00:00 GMT', accept: 'application/cap+xml', 'user-agent': expect.stringMatching(/^sc-cloud\//) });
  });

  it('refuses a body over the limit, announced or not, without reading the rest', async () => {
    await expect(fetchBounded(`${base}/declared`, options())).rejects.toMatchObject({ message: 'larger than 256 KiB (5242880 bytes declared)', permanent: true });
    await expect(fetchBounded(`${base}/streamed`, options())).rejects.toMatchObject({ message: 'larger than 256 KiB', permanent: true });
    expect(streamedBytes).toBeLessThan(10 * 1024 * 1024); // the server was stopped long before its 50 MiB
  });

  it('gives up on a silent server after the timeout, and says so', async () => {
    const started = Date.now();
    await expect(fetchBounded(`${base}/silent`, options({ timeoutMs: 300 }))).rejects.toMatchObject({ message: 'no answer within 0.3 s', permanent: false });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('names a refused connection and a 404 (the latter not worth asking again)', async () => {
    await expect(fetchBounded(`http://127.0.0.1:${await freePort()}/feed`, options())).rejects.toMatchObject({ message: 'fetch failed: ECONNREFUSED', permanent: false });
    const missing = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => missing.listen(0, '127.0.0.1', r));
    await expect(fetchBounded(`http://127.0.0.1:${(missing.address() as AddressInfo).port}/x`, options())).rejects.toMatchObject({ message: 'HTTP 404 Not Found', permanent: true });
    await new Promise((r) => missing.close(r));
  });
});
