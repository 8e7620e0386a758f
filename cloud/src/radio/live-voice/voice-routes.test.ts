import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_VOICE_CLOSE, LIVE_VOICE_PATH, liveStopPath } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { csrfTokenFor } from '../../auth/session-cookie.js';
import { speakAsOperator } from './testing/operator-client.js';

const tone = (n: number) => 8000 * Math.sin((2 * Math.PI * 440 * n) / 48_000);
const wsUrl = (test: TestCloud, path: string) => `${test.cloud.httpUrl.replace(/^http/, 'ws')}${path}`;

/** The status of a refused upgrade (the cloud answers HTTP, no socket is made). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

describe('live voice: sessions opened over HTTP, the microphone over a WebSocket', () => {
  let test: TestCloud;
  let operator: string;
  let otherOperator: string;
  let viewer: string;

  beforeAll(async () => {
    test = await startTestCloud({ SC_LIVE_VOICE_LINK_GRACE_S: 1.5, SC_LIVE_VOICE_MAX_SESSIONS: 2 });
    const { edgeId } = await claimTestEdge(test, 'ap-1');
    // the box's loudspeakers: zone "cong-truong" exists, any other name does not
    const config = await test.request('PUT', `/api/v1/edges/${edgeId}/config`, { radio: { speakers: [{ zone: 'cong-truong', driver: 'sim', target: '127.0.0.1:9', volume: 80 }] } });
    expect(config.status).toBe(200);
    for (const [username, role] of [['op-live', 'operator'], ['op-live-2', 'operator'], ['viewer-live', 'viewer']] as const) {
      const made = await test.request('POST', '/api/v1/users', { username, displayName: username, role, password: `password-of-${username}`, mustChangePassword: false });
      expect(made.status).toBe(201);
    }
    operator = await test.login('op-live', 'password-of-op-live');
    otherOperator = await test.login('op-live-2', 'password-of-op-live-2');
    viewer = await test.login('viewer-live', 'password-of-viewer-live');
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  const open = (token: string, body: unknown = { title: 'Thông báo trực tiếp', priority: 'normal', targets: { hamlets: ['ap-1'] } }) => test.api('POST', LIVE_VOICE_PATH, body, token);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const sessionOf = (id: string) => test.api('GET', `${LIVE_VOICE_PATH}/${id}`, undefined, operator);

  it('streams an operator\'s microphone into the session and stops it from the socket', async () => {
    const opened = await open(operator);
    expect(opened.status).toBe(201);
    expect(opened.body.session).toMatchObject({ status: 'on_air', priority: 'normal', title: 'Thông báo trực tiếp' });
    expect(opened.body.socketPath).toBe(`${LIVE_VOICE_PATH}/${opened.body.session.id}/socket`);
    expect(opened.body.hamlets).toEqual([{ code: 'ap-1', name: 'Ấp 1', state: 'waiting', startedAt: null }]);

    const run = await speakAsOperator({ url: wsUrl(test, opened.body.socketPath), headers: bearer(operator), sample: tone, durationMs: 2500 });
    await run.done;
    await waitFor(() => run.messages.some((m) => m.type === 'ready'), 'ready from the cloud');
    // what the socket carried was decoded and handed to the session: about the 2.5 s said
    const state = await waitFor(async () => {
      const s = await sessionOf(opened.body.session.id);
      return s.body.link.decodedMs > 2000 ? s.body : null;
    }, 'the audio decoded into the session', 10_000);
    expect(state.link).toMatchObject({ connected: true, connections: 1, lastError: null });
    expect(state.link.receivedBytes).toBeGreaterThan(2.5 * 2000); // Opus at 32 kbit/s: ~4 KB a second
    expect(state.link.decodedMs).toBeLessThan(3000);

    run.stop();
    const closed = await run.closed;
    expect(closed.code).toBe(1000);
    expect(run.messages.at(-1)).toMatchObject({ type: 'ended', reason: 'stopped' });
    const ended = await sessionOf(opened.body.session.id);
    expect(ended.body.session).toMatchObject({ status: 'ended', endReason: 'stopped' });
  }, 30_000);

  it('ends the session "interrupted" when the operator\'s link is gone longer than the grace', async () => {
    const opened = await open(operator);
    const run = await speakAsOperator({ url: wsUrl(test, opened.body.socketPath), headers: bearer(operator), sample: tone, durationMs: 10_000 });
    await waitFor(async () => (await sessionOf(opened.body.session.id)).body.link.decodedMs > 500, 'audio flowing');
    run.hangUp();
    const started = Date.now();
    const ended = await waitFor(async () => {
      const s = await sessionOf(opened.body.session.id);
      return s.body.session.status === 'ended' ? s.body.session : null;
    }, 'the session to end', 10_000);
    expect(ended.endReason).toBe('interrupted');
    expect(ended.endDetail).toMatch(/operator's connection was lost for more than 1.5 s/);
    expect(Date.now() - started).toBeGreaterThan(1000);
  }, 30_000);

  it('lets a dropped operator reconnect within the grace: the newest socket streams on', async () => {
    const opened = await open(operator);
    const url = wsUrl(test, opened.body.socketPath);
    const first = await speakAsOperator({ url, headers: bearer(operator), sample: tone, durationMs: 10_000 });
    await waitFor(async () => (await sessionOf(opened.body.session.id)).body.link.decodedMs > 300, 'audio flowing');
    first.hangUp();
    const second = await speakAsOperator({ url, headers: bearer(operator), sample: tone, durationMs: 2500 });
    await second.done;
    const state = (await sessionOf(opened.body.session.id)).body;
    expect(state.session.status).toBe('on_air');
    expect(state.link.connections).toBe(2);
    second.stop();
    expect((await second.closed).code).toBe(1000);
  }, 30_000);

  it('refuses a person whose role may not speak live, and another operator on someone\'s session', async () => {
    const refused = await open(viewer);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/radio\.live\.manage/);
    const opened = await open(operator);
    expect(await upgradeStatus(wsUrl(test, opened.body.socketPath), bearer(viewer))).toBe(403);
    expect(await upgradeStatus(wsUrl(test, opened.body.socketPath), bearer(otherOperator))).toBe(403);
    expect(await upgradeStatus(wsUrl(test, opened.body.socketPath), {})).toBe(401);
    await test.api('POST', liveStopPath(opened.body.session.id), undefined, operator);
  }, 20_000);

  it('refuses the session cookie without the CSRF token, or from another site\'s page', async () => {
    const cookie = `sc_session=${operator}`;
    const csrf = csrfTokenFor(operator);
    const noCsrf = await fetch(`${test.cloud.httpUrl}${LIVE_VOICE_PATH}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'x', priority: 'normal', targets: { all: true } }) });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('csrf_token_invalid');
    const withCsrf = await fetch(`${test.cloud.httpUrl}${LIVE_VOICE_PATH}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'x', priority: 'normal', targets: { all: true } }) });
    expect(withCsrf.status).toBe(201);
    const { socketPath } = (await withCsrf.json()) as { socketPath: string };
    const url = wsUrl(test, socketPath);
    const ownOrigin = test.cloud.httpUrl;
    // the socket: the page's own Origin and its CSRF token, or nothing
    expect(await upgradeStatus(url, { cookie, origin: ownOrigin })).toBe(403);
    expect(await upgradeStatus(`${url}?csrf=${encodeURIComponent(csrf)}`, { cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`${url}?csrf=${encodeURIComponent(csrf)}`, { cookie })).toBe(403);
    expect(await upgradeStatus(`${url}?csrf=wrong`, { cookie, origin: ownOrigin })).toBe(403);
    expect(await upgradeStatus(`${url}?csrf=${encodeURIComponent(csrf)}`, { cookie, origin: ownOrigin })).toBe(101);
    const id = socketPath.split('/').at(-2)!;
    await test.api('POST', liveStopPath(id), undefined, operator);
  }, 20_000);

  it('refuses a speaker zone no chosen box has, and a hamlet that does not exist, starting nothing', async () => {
    const before = test.cloud.radio.live.list({ status: 'on_air' }).length;
    const zone = await open(operator, { title: 'x', priority: 'priority', targets: { hamlets: ['ap-1'] }, zones: ['nha-van-hoa'] });
    expect(zone.status).toBe(400);
    expect(zone.body.error).toMatchObject({ code: 'unknown_zone', details: [{ path: 'zones', message: 'unknown zone: nha-van-hoa' }] });
    // the zone exists, but not in the hamlet chosen
    const elsewhere = await open(operator, { title: 'x', priority: 'normal', targets: { hamlets: ['ap-2'] }, zones: ['cong-truong'] });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.code).toBe('unknown_zone');
    const hamlet = await open(operator, { title: 'x', priority: 'normal', targets: { hamlets: ['ap-99'] } });
    expect(hamlet.status).toBe(400);
    expect(hamlet.body.error.message).toMatch(/ap-99/);
    const badPriority = await open(operator, { title: 'x', priority: 'urgent', targets: { all: true } });
    expect(badPriority.status).toBe(400);
    expect(test.cloud.radio.live.list({ status: 'on_air' })).toHaveLength(before);
    const fine = await open(operator, { title: 'x', priority: 'normal', targets: { hamlets: ['ap-1'] }, zones: ['cong-truong'] });
    expect(fine.status).toBe(201);
    expect(fine.body.session.zones).toEqual(['cong-truong']);
    await test.api('POST', liveStopPath(fine.body.session.id), undefined, operator);
  }, 20_000);

  it('closes a socket that sends an oversized message, floods, or sends what is not WebM/Opus', async () => {
    const opened = await open(operator);
    const url = wsUrl(test, opened.body.socketPath);
    const connect = async () => {
      const socket = new WebSocket(url, { headers: bearer(operator) });
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      await new Promise((resolve) => socket.once('open', resolve));
      return { socket, closed };
    };
    const big = await connect();
    big.socket.send(Buffer.alloc(100 * 1024, 1));
    expect(await big.closed).toBe(1009);

    const flood = await connect();
    for (let i = 0; i < 8; i++) flood.socket.send(Buffer.alloc(30 * 1024, 0x1a));
    expect(await flood.closed).toBe(LIVE_VOICE_CLOSE.tooFast);

    // wait for the byte allowance to refill, then send noise: ffmpeg refuses it
    await new Promise((r) => setTimeout(r, 2000));
    const garbage = await connect();
    garbage.socket.send(Buffer.from('this is not a webm stream at all, just text bytes'.repeat(50)));
    garbage.socket.send(Buffer.alloc(2048, 7));
    const codeOrEnd = await Promise.race([garbage.closed, new Promise<number>((r) => setTimeout(() => { garbage.socket.close(); r(-1); }, 5000))]);
    expect(codeOrEnd).toBe(LIVE_VOICE_CLOSE.badAudio);
    const state = (await sessionOf(opened.body.session.id)).body;
    expect(state.link.lastError).toMatch(/not WebM\/Opus/);
    await test.api('POST', liveStopPath(opened.body.session.id), undefined, operator);
  }, 30_000);

  it('takes at most SC_LIVE_VOICE_MAX_SESSIONS voices at once', async () => {
    const a = await open(operator);
    const b = await open(otherOperator);
    expect([a.status, b.status]).toEqual([201, 201]);
    const c = await open(operator);
    expect(c.status).toBe(409);
    expect(c.body.error.code).toBe('too_many_live_voices');
    for (const s of [a, b]) await test.api('POST', liveStopPath(s.body.session.id), undefined, operator);
    // the stopped ones no longer count
    await waitFor(async () => (await open(operator)).status === 201 || null, 'a voice slot free again', 5000, 300);
  }, 30_000);
});
