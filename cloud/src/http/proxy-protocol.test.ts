import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { createLogger } from '@smart-commune/shared/runtime';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acceptProxyProtocol, proxiedSource, type ProxyProtocolHandle } from './proxy-protocol.js';
import { parseTrustedProxies } from './trusted-proxies.js';

/** A PROXY v1 line as HAProxy's `send-proxy` writes it. */
const v1 = (source: string, sourcePort = 40000) => `PROXY TCP4 ${source} 127.0.0.1 ${sourcePort} 8080\r\n`;

/** A PROXY v2 header as `send-proxy-v2` writes it: PROXY (or LOCAL) over TCP/IPv4, no TLVs. */
function v2(source: string | null): Buffer {
  const fixed = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, source ? 0x21 : 0x20, 0x11, 0x00, 0x0c]);
  const addresses = Buffer.alloc(12);
  (source ?? '0.0.0.0').split('.').forEach((part, i) => addresses.writeUInt8(Number(part), i));
  addresses.set([127, 0, 0, 1], 4);
  addresses.writeUInt16BE(40000, 8);
  addresses.writeUInt16BE(8080, 10);
  return Buffer.concat([fixed, addresses]);
}

const request = (path = '/') => `GET ${path} HTTP/1.1\r\nHost: cloud\r\n\r\n`;

/** Whatever the server answers on this connection until it closes it (or the test's parts are sent and answered). */
function exchange(port: number, localAddress: string, parts: Array<string | Buffer>, gapMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port, localAddress });
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(received) : reject(err)));
    socket.on('close', () => resolve(received));
    socket.on('connect', async () => {
      for (const part of parts) {
        socket.write(part);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
      // every request asked its connection be kept: end once the last is answered
      const answers = parts.join('').split('GET ').length - 1;
      const check = setInterval(() => {
        if (answers > 0 && received.split('HTTP/1.1 200').length - 1 >= answers) {
          clearInterval(check);
          socket.end();
        }
      }, 10);
      socket.on('close', () => clearInterval(check));
    });
  });
}

/** The JSON bodies of the 200 answers in a raw HTTP exchange. */
const bodies = (raw: string) => [...raw.matchAll(/\r\n\r\n(\{[^}]*\})/g)].map((m) => JSON.parse(m[1]!) as { source: string | null; peer: string });

/** Answers each request with the client the PROXY header named and the socket's peer. */
function answer(req: IncomingMessage, res: ServerResponse) {
  const body = JSON.stringify({ source: proxiedSource(req.socket), peer: req.socket.remoteAddress });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

interface Listener {
  port: number;
  lines: string[];
  close(): Promise<void>;
}

/** A server with the PROXY protocol in front, trusting 127.0.0.2 (the tests' HAProxy), its warnings kept. */
async function listen(server: Server): Promise<Listener> {
  const lines: string[] = [];
  const logger = createLogger('proxy-protocol-test', { level: 'warn' }, { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream);
  const handle: ProxyProtocolHandle = acceptProxyProtocol(server, { trusted: parseTrustedProxies('127.0.0.2'), logger, headerTimeoutMs: 300, firstBytesTimeoutMs: 300 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    async close() {
      handle.close();
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const reasons = (lines: string[]) => lines.map((line) => JSON.parse(line) as { msg: string; reason: string; peer: string }).map((l) => `${l.peer}: ${l.reason}`);

describe('PROXY protocol in front of an HTTP server', () => {
  let listener: Listener;
  beforeAll(async () => {
    listener = await listen(createHttpServer(answer));
  });
  afterEach(() => {
    listener.lines.length = 0;
  });
  afterAll(async () => {
    await listener.close();
  });

  it('takes the client from a trusted peer’s v1 and v2 headers, sent with the request or apart, for every request on the connection', async () => {
    expect(bodies(await exchange(listener.port, '127.0.0.2', [v1('203.0.113.7') + request()]))).toEqual([{ source: '203.0.113.7', peer: '127.0.0.2' }]);
    // the header alone, then the request in pieces and a second one on the same connection
    const raw = await exchange(listener.port, '127.0.0.2', [v2('198.51.100.4'), 'GET / HTTP/1.1\r\nHo', 'st: cloud\r\n\r\n', request('/again')], 40);
    expect(bodies(raw)).toEqual([
      { source: '198.51.100.4', peer: '127.0.0.2' },
      { source: '198.51.100.4', peer: '127.0.0.2' },
    ]);
    expect(listener.lines).toEqual([]);
  });

  it('keeps the peer for a LOCAL header (HAProxy’s health check with check-send-proxy)', async () => {
    expect(bodies(await exchange(listener.port, '127.0.0.2', [Buffer.concat([v2(null), Buffer.from(request('/healthz'))])]))).toEqual([{ source: null, peer: '127.0.0.2' }]);
  });

  it('serves anyone else as before, but closes their connection when it starts with a PROXY header', async () => {
    expect(bodies(await exchange(listener.port, '127.0.0.3', [request()]))).toEqual([{ source: null, peer: '127.0.0.3' }]);
    expect(await exchange(listener.port, '127.0.0.3', [v1('203.0.113.7') + request()])).toBe('');
    expect(await exchange(listener.port, '127.0.0.3', [Buffer.concat([v2('203.0.113.7'), Buffer.from(request())])])).toBe('');
    expect(reasons(listener.lines)).toEqual(['127.0.0.3: a PROXY header from a peer not in SC_TRUSTED_PROXIES', '127.0.0.3: a PROXY header from a peer not in SC_TRUSTED_PROXIES']);
  });

  it('closes only the connection whose header is missing, malformed, too long or too slow, and serves the next', async () => {
    const port = listener.port;
    expect(await exchange(port, '127.0.0.2', [request()])).toBe('');
    expect(await exchange(port, '127.0.0.2', ['PROXY TCP4 203.0.113.7 nowhere 1 2\r\n' + request()])).toBe('');
    expect(await exchange(port, '127.0.0.2', [`PROXY TCP4 ${'1'.repeat(120)}`])).toBe('');
    const tooLong = v2('203.0.113.7');
    tooLong.writeUInt16BE(60000, 14);
    expect(await exchange(port, '127.0.0.2', [tooLong])).toBe('');
    expect(await exchange(port, '127.0.0.2', ['PROXY TCP4 203.0.113.7'])).toBe(''); // and nothing more: closed after 300 ms
    expect(reasons(listener.lines)).toEqual([
      '127.0.0.2: no PROXY header (the connection does not start with "PROXY " or the v2 signature)',
      '127.0.0.2: PROXY v1 addresses are not both IPv4',
      '127.0.0.2: PROXY v1 line longer than 107 bytes',
      '127.0.0.2: PROXY v2 header of 60000 bytes after its first 16 (at most 1024)',
      '127.0.0.2: no complete PROXY header within 300 ms',
    ]);
    expect(bodies(await exchange(port, '127.0.0.2', [v1('203.0.113.8') + request()]))).toEqual([{ source: '203.0.113.8', peer: '127.0.0.2' }]);
  });
});

describe('PROXY protocol in front of an HTTPS server', () => {
  let dir: string;
  let listener: Listener;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-proxy-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    listener = await listen(createHttpsServer({ cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }, answer));
  });
  afterAll(async () => {
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A TLS request after the given PROXY header, over a TCP connection from 127.0.0.2. */
  async function overTls(header: Buffer): Promise<string> {
    const tcp: Socket = connectTcp({ host: '127.0.0.1', port: listener.port, localAddress: '127.0.0.2' });
    await once(tcp, 'connect');
    tcp.write(header);
    const tls = connectTls({ socket: tcp, rejectUnauthorized: false, servername: 'localhost' });
    await once(tls, 'secureConnect');
    tls.write(request());
    let received = '';
    for await (const chunk of tls) {
      received += (chunk as Buffer).toString('latin1');
      if (received.includes('}')) break;
    }
    tls.destroy();
    return received;
  }

  it('hands the TLS handshake the bytes after the header, and the request the header’s client', async () => {
    expect(bodies(await overTls(v2('203.0.113.9')))).toEqual([{ source: '203.0.113.9', peer: '127.0.0.2' }]);
    expect(bodies(await overTls(Buffer.from(v1('198.51.100.9'))))).toEqual([{ source: '198.51.100.9', peer: '127.0.0.2' }]);
  });
});
