import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_AUTH_PATHS, topics } from '@smart-commune/shared';
import { createLogger } from '@smart-commune/shared/runtime';
import { loadCloudConfig, startCloud } from '@smart-commune/cloud';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';

/** The API's error format. */
type ErrorBody = { error: { code: string; message: string; details: Array<{ path: string; message: string }> } };

const TOKEN = 'broker-token-0123456789abcdef0123456789abcdef';

/** What EMQX 5 sends: POST, its JSON body template rendered (every placeholder a string), the headers it was given. */
const emqx = (test: TestCloud, path: string, body: Record<string, string>, authorization: string | null = `Bearer ${TOKEN}`) =>
  test.cloud.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });

/** The Basic header Go's HTTP client makes from go-auth's `auth_opt_http_host broker:TOKEN@cloud`. */
const goAuthBasic = `Basic ${Buffer.from(`broker:${TOKEN}`).toString('base64')}`;

/** What mosquitto-go-auth's HTTP backend sends: POST with JSON (acc a number) or an HTML form (every value a string). */
const goAuth = (test: TestCloud, path: string, body: Record<string, string | number>, mode: 'json' | 'form') =>
  test.cloud.app.request(path, {
    method: 'POST',
    headers: {
      'content-type': mode === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
      'user-agent': 'mosquitto-2.0.11',
      authorization: goAuthBasic,
    },
    body: mode === 'json' ? JSON.stringify(body) : new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString(),
  });

describe('the broker HTTP authentication endpoint', () => {
  let test: TestCloud;
  let box: { edgeId: string; password: string };
  let other: { edgeId: string; password: string };
  beforeAll(async () => {
    test = await startTestCloud({ SC_BROKER_AUTH_TOKEN: TOKEN });
    box = await claimTestEdge(test, 'ap-1');
    other = await claimTestEdge(test, 'ap-2');
  });
  afterAll(async () => {
    await test.stop();
  });

  it('answers only the broker with SC_BROKER_AUTH_TOKEN', async () => {
    const body = { username: box.edgeId, password: box.password, clientid: box.edgeId };
    for (const authorization of [null, 'Bearer wrong-token-0123456789abcdef0123456789', `Basic ${Buffer.from('broker:nope').toString('base64')}`, `Bearer ${TOKEN}x`]) {
      const res = await emqx(test, BROKER_AUTH_PATHS.emqxAuthenticate, body, authorization);
      expect(res.status).toBe(401);
      expect(((await res.json()) as ErrorBody).error.code).toBe('unauthorized');
    }
    // a person's session is not the broker's credential
    const res = await emqx(test, BROKER_AUTH_PATHS.emqxAuthenticate, body, `Bearer ${test.adminToken}`);
    expect(res.status).toBe(401);
    expect((await emqx(test, BROKER_AUTH_PATHS.emqxAuthenticate, body, goAuthBasic)).status).toBe(200);
  });

  describe('EMQX 5', () => {
    it('authenticates a box with its own secret and the cloud as the only superuser', async () => {
      const ask = async (body: Record<string, string>) => {
        const res = await emqx(test, BROKER_AUTH_PATHS.emqxAuthenticate, { peerhost: '203.0.113.5', ...body });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        return res.json();
      };
      expect(await ask({ username: box.edgeId, password: box.password, clientid: box.edgeId })).toEqual({ result: 'allow', is_superuser: false });
      expect(await ask({ username: box.edgeId, password: other.password, clientid: box.edgeId })).toEqual({ result: 'deny' });
      expect(await ask({ username: box.edgeId, password: box.password, clientid: other.edgeId })).toEqual({ result: 'deny' });
      expect(await ask({ username: box.edgeId, password: '', clientid: box.edgeId })).toEqual({ result: 'deny' });
      expect(await ask({ username: '', password: '', clientid: 'anon' })).toEqual({ result: 'deny' });
      expect(await ask({ username: 'edg_doesnotexist', password: box.password, clientid: 'edg_doesnotexist' })).toEqual({ result: 'deny' });
      const service = test.cloud.service;
      expect(await ask({ username: service.username, password: service.password, clientid: 'sc-cloud-1' })).toEqual({ result: 'allow', is_superuser: true });
      expect(await ask({ username: service.username, password: box.password, clientid: 'sc-cloud-1' })).toEqual({ result: 'deny' });
    });

    it("authorizes the embedded broker's topics: a box's own subtree as the contract says, broadcast read-only", async () => {
      const ask = async (username: string, topic: string, action: 'publish' | 'subscribe', retain = 'false', clientid = username) => {
        const res = await emqx(test, BROKER_AUTH_PATHS.emqxAuthorize, { username, clientid, topic, action, qos: '1', retain, peerhost: '203.0.113.5' });
        expect(res.status).toBe(200);
        return ((await res.json()) as { result: string }).result;
      };
      const id = box.edgeId;
      expect(await ask(id, topics.event(id, 'incident'), 'publish')).toBe('allow');
      expect(await ask(id, topics.telemetry(id), 'publish')).toBe('allow');
      expect(await ask(id, topics.availability(id), 'publish', 'true')).toBe('allow');
      expect(await ask(id, topics.reported(id, 'config'), 'publish', 'true')).toBe('allow');
      // not where the contract retains, not its side's channel, not its subtree, not the contract's shape
      expect(await ask(id, topics.event(id, 'incident'), 'publish', 'true')).toBe('deny');
      expect(await ask(id, topics.desired(id, 'config'), 'publish')).toBe('deny');
      expect(await ask(id, topics.event(other.edgeId, 'incident'), 'publish')).toBe('deny');
      expect(await ask(id, `${topics.event(id, 'incident')}/extra`, 'publish')).toBe('deny');
      expect(await ask(id, topics.broadcast('time'), 'publish')).toBe('deny');
      expect(await ask(id, topics.event(id, 'incident'), 'publish', 'false', other.edgeId)).toBe('deny');

      expect(await ask(id, `${topics.edgeRoot(id)}/req/+`, 'subscribe')).toBe('allow');
      expect(await ask(id, topics.edgeSubtree(id), 'subscribe')).toBe('allow');
      expect(await ask(id, topics.broadcastAll, 'subscribe')).toBe('allow');
      expect(await ask(id, topics.allEdges, 'subscribe')).toBe('deny');
      expect(await ask(id, 'sc/v1/edges/+/req/+', 'subscribe')).toBe('deny');
      expect(await ask(id, '#', 'subscribe')).toBe('deny');
      expect(await ask(id, topics.edgeSubtree(other.edgeId), 'subscribe')).toBe('deny');

      const service = test.cloud.service.username;
      expect(await ask(service, topics.desired(id, 'config'), 'publish', 'true', 'sc-cloud-1')).toBe('allow');
      expect(await ask(service, '$share/sc-cloud/sc/v1/edges/+/events/+', 'subscribe', 'false', 'sc-cloud-1')).toBe('allow');
      expect(await ask(service, 'elsewhere/x', 'publish', 'false', 'sc-cloud-1')).toBe('deny');
      expect(await ask('edg_doesnotexist', topics.event('edg_doesnotexist', 'incident'), 'publish')).toBe('deny');
    });

    it('names the wrong field of a malformed question (EMQX takes a 400 as "ignore")', async () => {
      const res = await emqx(test, BROKER_AUTH_PATHS.emqxAuthorize, { username: box.edgeId, clientid: box.edgeId, action: 'delete', retain: 'maybe' });
      expect(res.status).toBe(400);
      const error = ((await res.json()) as ErrorBody).error;
      expect(error.code).toBe('validation_failed');
      expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual(['action', 'retain', 'topic']);
      const long = await emqx(test, BROKER_AUTH_PATHS.emqxAuthenticate, { username: 'x'.repeat(257), password: 'p', clientid: 'c' });
      expect(long.status).toBe(400);
      expect(((await long.json()) as ErrorBody).error.details[0]?.path).toBe('username');
    });
  });

  describe('mosquitto-go-auth', () => {
    for (const mode of ['json', 'form'] as const) {
      it(`answers its user, superuser and acl checks sent as ${mode}`, async () => {
        const id = box.edgeId;
        const user = await goAuth(test, BROKER_AUTH_PATHS.goAuthUser, { username: id, password: box.password, clientid: id }, mode);
        expect(user.status).toBe(200);
        expect(await user.json()).toEqual({ ok: true, error: '' });
        const wrong = await goAuth(test, BROKER_AUTH_PATHS.goAuthUser, { username: id, password: 'wrong', clientid: id }, mode);
        expect(wrong.status).toBe(403);
        expect(await wrong.json()).toEqual({ ok: false, error: 'bad username or password' });

        expect((await goAuth(test, BROKER_AUTH_PATHS.goAuthSuperuser, { username: test.cloud.service.username }, mode)).status).toBe(200);
        expect((await goAuth(test, BROKER_AUTH_PATHS.goAuthSuperuser, { username: id }, mode)).status).toBe(403);

        const acl = async (topic: string, acc: number, username = id) => (await goAuth(test, BROKER_AUTH_PATHS.goAuthAcl, { username, clientid: username, topic, acc }, mode)).status;
        expect(await acl(topics.req(id, 'ping'), 1)).toBe(200); // a command delivered to the box
        expect(await acl(topics.req(other.edgeId, 'ping'), 1)).toBe(403);
        expect(await acl(topics.broadcast('time'), 1)).toBe(200);
        expect(await acl(topics.event(id, 'incident'), 2)).toBe(200);
        expect(await acl(topics.desired(id, 'config'), 2)).toBe(403);
        expect(await acl(topics.event(other.edgeId, 'incident'), 2)).toBe(403);
        expect(await acl(topics.event(id, 'incident'), 3)).toBe(200);
        expect(await acl(topics.desired(id, 'config'), 3)).toBe(403); // readable, not writable
        expect(await acl(topics.broadcastAll, 4)).toBe(200);
        expect(await acl(topics.allEdges, 4)).toBe(403);
        expect(await acl(topics.desired(id, 'config'), 2, test.cloud.service.username)).toBe(200);
      });
    }

    it('answers "ok" in its text response mode, and names a wrong acc', async () => {
      const id = box.edgeId;
      const text = await goAuth(test, `${BROKER_AUTH_PATHS.goAuthUser}?response=text`, { username: id, password: box.password, clientid: id }, 'form');
      expect(text.status).toBe(200);
      expect(await text.text()).toBe('ok');
      const refused = await goAuth(test, `${BROKER_AUTH_PATHS.goAuthAcl}?response=text`, { username: id, clientid: id, topic: topics.allEdges, acc: 4 }, 'json');
      expect(refused.status).toBe(403);
      expect(await refused.text()).toBe("outside the client's topics");

      const bad = await goAuth(test, BROKER_AUTH_PATHS.goAuthAcl, { username: id, clientid: id, topic: topics.telemetry(id), acc: '5' }, 'form');
      expect(bad.status).toBe(400);
      const error = ((await bad.json()) as ErrorBody).error;
      expect(error.code).toBe('validation_failed');
      expect(error.details).toEqual([{ path: 'acc', message: 'must be 1 (read), 2 (write), 3 (readwrite) or 4 (subscribe)' }]);
      // no body at all names every missing field
      const empty = await test.cloud.app.request(BROKER_AUTH_PATHS.goAuthUser, { method: 'POST', headers: { authorization: goAuthBasic } });
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as ErrorBody).error.details.map((d: { path: string }) => d.path).sort()).toEqual(['clientid', 'password', 'username']);
    });

    it('takes the token from the user part of the URL, as Go sends it, over TCP', async () => {
      const url = new URL(test.cloud.httpUrl);
      const body = JSON.stringify({ username: box.edgeId, password: box.password, clientid: box.edgeId });
      const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: BROKER_AUTH_PATHS.goAuthUser, method: 'POST', auth: `broker:${TOKEN}`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(reply).toEqual({ status: 200, text: '{"ok":true,"error":""}' });
    });
  });

  it('refuses a revoked box at once, connection and topics alike, and counts every answer', async () => {
    const revoked = await claimTestEdge(test, 'ap-3');
    const topic = topics.event(revoked.edgeId, 'incident');
    const question = { username: revoked.edgeId, clientid: revoked.edgeId, topic, action: 'publish', retain: 'false' };
    expect(await (await emqx(test, BROKER_AUTH_PATHS.emqxAuthorize, question)).json()).toEqual({ result: 'allow' });
    expect((await test.request('POST', `/api/v1/edges/${revoked.edgeId}/revoke`)).status).toBe(200);
    expect(await (await emqx(test, BROKER_AUTH_PATHS.emqxAuthorize, question)).json()).toEqual({ result: 'deny' });
    const connect = { username: revoked.edgeId, password: revoked.password, clientid: revoked.edgeId };
    expect(await (await emqx(test, BROKER_AUTH_PATHS.emqxAuthenticate, connect)).json()).toEqual({ result: 'deny' });

    const metrics = (await test.request('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toMatch(/^sc_broker_http_auth_total\{check="connect",result="allow"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^sc_broker_http_auth_total\{check="connect",result="deny"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^sc_broker_http_auth_total\{check="publish",result="deny"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^sc_broker_http_auth_total\{check="subscribe",result="allow"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^sc_broker_http_auth_total\{check="acl",result="invalid"\} [1-9]\d*$/m);
  });
});

describe('the broker HTTP authentication endpoint without SC_BROKER_AUTH_TOKEN', () => {
  let test: TestCloud;
  beforeAll(async () => {
    test = await startTestCloud();
  });
  afterAll(async () => {
    await test.stop();
  });

  it('is off: nobody is the broker, and the refusal names the setting that turns it on', async () => {
    for (const authorization of [`Bearer ${TOKEN}`, goAuthBasic, null]) {
      const res = await emqx(test, BROKER_AUTH_PATHS.emqxAuthenticate, { username: 'sc-cloud', password: test.cloud.service.password, clientid: 'x' }, authorization);
      expect(res.status).toBe(401);
      const error = ((await res.json()) as ErrorBody).error;
      expect(error.code).toBe('unauthorized');
      expect(error.message).toMatch(/SC_BROKER_AUTH_TOKEN/);
    }
  });

  it('documents its routes in the OpenAPI document with their access', async () => {
    const doc = (await test.request('GET', '/api/v1/openapi.json', undefined, null)).body;
    for (const path of Object.values(BROKER_AUTH_PATHS)) {
      expect(doc.paths[path]?.post?.security).toEqual([{ brokerToken: [] }, { brokerBasic: [] }]);
      expect(doc.paths[path].post.description).toMatch(/SC_BROKER_AUTH_TOKEN/);
    }
  });
});

describe('the broker HTTP authentication endpoint and its log', () => {
  it('logs a refusal with who and why, never a password nor the broker token', async () => {
    const lines: string[] = [];
    const logger = createLogger('sc-cloud', { level: 'debug' }, { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream);
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-cloud-'));
    // SQLite whatever SC_TEST_DATABASE says: the log is what is looked at here
    const config = loadCloudConfig({}, { SC_DATA_DIR: dataDir, SC_HTTP_PORT: 0, SC_MQTT_PORT: 0, SC_ADMIN_PASSWORD: 'test-admin-password', SC_BROKER_AUTH_TOKEN: TOKEN });
    const cloud = await startCloud(config, { logger });
    const servicePassword = cloud.service.password;
    try {
      const ask = (password: string) =>
        cloud.app.request(BROKER_AUTH_PATHS.goAuthUser, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: goAuthBasic },
          body: JSON.stringify({ username: cloud.service.username, password, clientid: 'sc-cloud-2' }),
        });
      expect((await ask('a-wrong-password-guess')).status).toBe(403);
      expect((await ask(cloud.service.password)).status).toBe(200);
    } finally {
      await cloud.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    const log = lines.join('');
    const refusal = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'broker HTTP auth: refused');
    expect(refusal).toMatchObject({ component: 'broker-http-auth', broker: 'go-auth', check: 'connect', username: 'sc-cloud', clientId: 'sc-cloud-2', reason: 'bad username or password' });
    expect(log).not.toContain('a-wrong-password-guess');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(servicePassword);
  });
});
