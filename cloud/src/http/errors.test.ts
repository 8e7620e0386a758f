import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { createLogger } from '@smart-commune/shared/runtime';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { badRequest, conflict, createErrorHandler, forbidden, gone, notFound, unauthorized, validationDetails } from './errors.js';

/** A logger whose JSON lines are kept for inspection. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('errors-test', { level: 'error' }, stream), lines };
}

function appThrowing(err: () => Error) {
  const { logger, lines } = capturingLogger();
  const app = new Hono();
  app.get('/boom', () => {
    throw err();
  });
  app.onError(createErrorHandler(logger));
  return { app, lines };
}

async function call(app: Hono) {
  const res = await app.request('/boom');
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { error: { code: string; message: string; details?: unknown } } };
}

describe('createErrorHandler', () => {
  it.each([
    ['badRequest', () => badRequest('no such thing', [{ path: 'x', message: 'wrong' }]), 400, 'bad_request'],
    ['unauthorized', () => unauthorized(), 401, 'unauthorized'],
    ['forbidden', () => forbidden(), 403, 'forbidden'],
    ['notFound', () => notFound('edge edg_x'), 404, 'not_found'],
    ['conflict', () => conflict('taken'), 409, 'conflict'],
    ['gone', () => gone('used'), 410, 'gone'],
  ])('answers an ApiError from %s with its status and code', async (_name, make, status, code) => {
    const { app } = appThrowing(make);
    const res = await call(app);
    expect(res.status).toBe(status);
    expect(res.type).toMatch(/application\/json/);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toBe(make().message);
  });

  it('keeps details when given and leaves the key out otherwise', async () => {
    const withDetails = await call(appThrowing(() => badRequest('bad', [{ path: 'name', message: 'required' }])).app);
    expect(withDetails.body).toEqual({ error: { code: 'bad_request', message: 'bad', details: [{ path: 'name', message: 'required' }] } });
    const without = await call(appThrowing(() => notFound('user usr_1')).app);
    expect(without.body).toEqual({ error: { code: 'not_found', message: 'user usr_1 not found' } });
    expect('details' in without.body.error).toBe(false);
  });

  it('turns a ZodError into validation_failed with the paths of the wrong fields', async () => {
    const schema = z.object({ hamlet: z.object({ code: z.string() }), count: z.number() });
    const { app } = appThrowing(() => {
      const parsed = schema.safeParse({ hamlet: { code: 7 }, count: 'many' });
      return parsed.success ? new Error('unexpected') : parsed.error;
    });
    const res = await call(app);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((res.body.error.details as { path: string }[]).map((d) => d.path)).toEqual(['hamlet.code', 'count']);
  });

  it('maps HTTP exceptions: 400 to bad_request, 413 to payload_too_large, others to http_error', async () => {
    expect((await call(appThrowing(() => new HTTPException(400, { message: 'Malformed' })).app)).body.error).toEqual({ code: 'bad_request', message: 'Malformed' });
    const tooLarge = await call(appThrowing(() => new HTTPException(413)).app);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('payload_too_large');
    expect(tooLarge.body.error.message).toBe('request refused');
    const unsupported = await call(appThrowing(() => new HTTPException(415, { message: 'Unsupported Media Type' })).app);
    expect(unsupported.status).toBe(415);
    expect(unsupported.body.error.code).toBe('http_error');
  });

  it('answers anything unexpected with a 500 that hides the cause, and logs the cause', async () => {
    const { app, lines } = appThrowing(() => new Error('database password is hunter2'));
    const res = await call(app);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'internal server error' } });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'unhandled error in HTTP route', method: 'GET', path: '/boom' });
    expect(JSON.stringify(lines[0])).toContain('hunter2');
  });
});

describe('validationDetails', () => {
  it('joins nested paths with dots and keeps each message', () => {
    const parsed = z.object({ items: z.array(z.object({ n: z.number().min(1, 'too small') })) }).safeParse({ items: [{ n: 1 }, { n: 0 }] });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(validationDetails(parsed.error)).toEqual([{ path: 'items.1.n', message: 'too small' }]);
  });
});

describe('the error format of the real cloud', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  });
  afterAll(async () => {
    await test.stop();
  });

  const send = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await test.cloud.app.request(path, {
      method,
      headers: { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(text) as { error: { code: string; message: string; details?: { path: string; message: string }[] } } };
  };

  it('answers a malformed JSON body with 400 bad_request', async () => {
    for (const path of ['/api/v1/users', '/api/v1/edges', '/api/v1/auth/token', '/api/v1/provision/claim']) {
      const res = await send('POST', path, '{"username": "ba');
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('bad_request');
      expect(res.body.error.message, path).toMatch(/JSON/);
    }
  });

  it('answers an unknown route with a 404 in the error format', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/nothing-here'],
      ['GET', '/api/v2/edges'],
      ['PUT', '/api/v1/users'],
      ['DELETE', '/api/v1/hamlets'],
    ] as const) {
      const res = await send(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.type).toMatch(/application\/json/);
      expect(res.body.error.code).toBe('not_found');
      expect(res.body.error.message).toBe(`no route ${method} ${path}`);
    }
  });

  it('answers an unknown route with 404 even without credentials', async () => {
    const res = await test.cloud.app.request('/api/v1/secret-admin-thing');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('answers a body that breaks the schema with 400 validation_failed naming every wrong field', async () => {
    const res = await send('POST', '/api/v1/edges', JSON.stringify({ name: '', hamletCode: 'Ấp 1', lat: 200 }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details?.map((d) => d.path).sort()).toEqual(['hamletCode', 'lat', 'name']);
    for (const detail of res.body.error.details ?? []) expect(detail.message.length).toBeGreaterThan(0);
  });

  it('answers a wrong query parameter with 400 validation_failed naming it', async () => {
    const res = await send('GET', '/api/v1/edges?status=sleeping');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details?.map((d) => d.path)).toEqual(['status']);
  });

  it('refuses a body that is not JSON with 415 in the error format', async () => {
    const res = await send('POST', '/api/v1/edges', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('http_error');
  });
});
