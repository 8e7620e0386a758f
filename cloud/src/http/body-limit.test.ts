import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { userWithRole } from '../incidents/testing/incident-kit.js';

const FRAME = readFileSync('/work/shared/media/vtest-frame-10s.jpg');
const DECLARED = 96 * 1024 * 1024;
const KIB = 1024;

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes this client had written when the reply was complete. */
  sent: number;
  socket: Socket;
}

/**
 * A request over a plain socket: the head, then body bytes written as fast as the socket takes them
 * (`chunked` frames them) until the reply is complete or `maxBody` is written. The body is never
 * finished, so a reply proves the server answered without it: one that waits for all of it never does.
 */
function rawRequest(port: number, head: string[], options: { maxBody: number; chunked?: boolean; chunk?: number }): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let received = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no complete reply after writing ${sent} body bytes`)), 5000);
    const finish = (err: Error | null, reply?: RawReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(reply!);
    };
    const parse = () => {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? NaN);
      const body = received.subarray(end + 4);
      if (Number.isNaN(length) || body.length < length) return;
      finish(null, { status: Number(statusLine!.split(' ')[1]), headers, body: body.subarray(0, length).toString('utf8'), sent, socket });
    };
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      parse();
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`closed without a complete reply after ${sent} body bytes`)));
    const piece = Buffer.alloc(options.chunk ?? 16 * KIB, 0x61);
    const pump = () => {
      while (!done && sent < options.maxBody) {
        sent += piece.length;
        const frame = options.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
    };
    socket.write(`${head.join('\r\n')}\r\n\r\n`, pump);
  });
}

/** Resolves once the server has closed the connection while this client keeps sending body it will not read. */
function closedByServer(socket: Socket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server kept the connection open')), 5000);
    socket.on('close', () => resolve(void clearTimeout(timer)));
    socket.on('error', () => undefined);
    const more = Buffer.alloc(64 * KIB);
    const keepSending = () => !socket.destroyed && socket.write(more) && setImmediate(keepSending);
    keepSending();
  });
}

describe('request bodies are bounded before authentication', () => {
  let test: TestCloud;
  let port: number;
  beforeAll(async () => {
    test = await startTestCloud();
    port = Number(new URL(test.cloud.httpUrl).port);
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  const post = (path: string, headers: string[]) => [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...headers];

  it('answers a 96 MiB-declared POST /api/v1/auth/token with 413 in the error format before the body is sent', async () => {
    const started = Date.now();
    const reply = await rawRequest(port, post('/api/v1/auth/token', ['Content-Type: application/json', `Content-Length: ${DECLARED}`]), { maxBody: 4 * 1024 * KIB });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toEqual({ error: { code: 'payload_too_large', message: 'the request body is larger than 64 KiB', details: { maxBytes: 65536 } } });
    expect(reply.headers.connection).toBe('close');
    expect(Date.now() - started).toBeLessThan(3000);
    await closedByServer(reply.socket);
  });

  it('answers a 96 MiB-declared POST /login with the 413 page before its CSRF check reads anything', async () => {
    const reply = await rawRequest(port, post('/login', ['Content-Type: application/x-www-form-urlencoded', 'Accept: text/html', `Content-Length: ${DECLARED}`]), { maxBody: 4 * 1024 * KIB });
    expect(reply.status).toBe(413);
    expect(reply.headers['content-type']).toContain('text/html');
    expect(reply.body).toContain('Máy chủ chỉ nhận tối đa 64 KiB ở đây');
    expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
    reply.socket.destroy();
  });

  it('counts a chunked body while it streams and answers 413 at the limit, then closes the connection', async () => {
    for (const path of ['/api/v1/auth/token', '/api/v1/provision/claim']) {
      const reply = await rawRequest(port, post(path, ['Content-Type: application/json', 'Transfer-Encoding: chunked']), { maxBody: 64 * 1024 * KIB, chunked: true, chunk: 8 * KIB });
      expect(reply.status, path).toBe(413);
      expect(JSON.parse(reply.body).error.code).toBe('payload_too_large');
      // the server stopped reading at 64 KiB: what was written beyond sits in the sockets' buffers
      expect(reply.sent, path).toBeLessThan(16 * 1024 * KIB);
      // the server reads no further: the connection ends while this client still has body to send
      await closedByServer(reply.socket);
    }
  });

  it('lets an upload route take more only past its guard: refused unread without credentials or with the wrong role', async () => {
    const upload = (auth: string[]) =>
      rawRequest(port, post('/api/v1/bulletins', ['Content-Type: multipart/form-data; boundary=x', `Content-Length: ${50 * 1024 * KIB}`, ...auth]), { maxBody: 2 * 1024 * KIB });
    const anonymous = await upload([]);
    expect(anonymous.status).toBe(401);
    anonymous.socket.destroy();
    const viewer = (await userWithRole(test, 'viewer')).token;
    const refused = await upload([`Authorization: Bearer ${viewer}`]);
    expect(refused.status).toBe(403);
    refused.socket.destroy();
    // over the route's own limit it is the route's answer, still before the body
    const tooBig = await rawRequest(port, post('/api/v1/bulletins', ['Content-Type: multipart/form-data; boundary=x', `Content-Length: ${DECLARED * 2}`]), { maxBody: 2 * 1024 * KIB });
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body).error.message).toBe('the upload is larger than 100 MiB');
    tooBig.socket.destroy();
  });

  it('still takes an upload larger than the default limit where the route allows it', async () => {
    expect(FRAME.length).toBeGreaterThan(64 * KIB);
    const form = new FormData();
    for (const [k, v] of Object.entries({ category: 'trom-cap', description: 'Mất xe máy trước cổng chợ lúc 7 giờ sáng', hamlet: 'ap-1' })) form.set(k, v);
    form.set('photo', new Blob([FRAME], { type: 'image/jpeg' }), 'anh.jpg');
    const res = await fetch(`${test.cloud.httpUrl}/api/v1/reports`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    // the same size anywhere else is refused, logged in or not
    const big = await fetch(`${test.cloud.httpUrl}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x', role: 'viewer', password: 'p'.repeat(FRAME.length) }),
    });
    expect(big.status).toBe(413);
  });
});
