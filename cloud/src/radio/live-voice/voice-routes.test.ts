import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_API_PATH, LIVE_VOICE_CLOSE, liveSessionPath, liveStopPath, liveVoiceLinkPath, liveVoiceSocketPath } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { csrfTokenFor } from '../../auth/session-cookie.js';
import { readFileSync } from 'node:fs';
import { decodeToPcm, locate, signalPcm } from '../../../../test-support/live-audio.js';
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
    test = await startTestCloud({ SC_LIVE_VOICE_LINK_GRACE_S: 3 });
    const { edgeId } = await claimTestEdge(test, 'ap-1');
    // the box's loudspeakers: zone "cong-truong" exists, any other name does not
    const config = await test.request('PUT', `/api/v1/edges/${edgeId}/config`, { telemetryIntervalS: 10, radio: { speakers: [{ zone: 'cong-truong', driver: 'sim', target: '127.0.0.1:9', volume: 80 }] } });
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

  const open = (token: string, body: unknown = { title: 'Thông báo trực tiếp', priority: 'normal', targets: { hamlets: ['ap-1'] } }) => test.api('POST', LIVE_API_PATH, body, token);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const socketOf = (id: string) => wsUrl(test, liveVoiceSocketPath(id));
  const sessionOf = (id: string) => test.api('GET', liveSessionPath(id), undefined, operator);
  const linkOf = async (id: string) => (await test.api('GET', liveVoiceLinkPath(id), undefined, operator)).body;

  it("streams an operator's microphone into the session and stops it from the socket", async () => {
    const opened = await open(operator);
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    expect(opened.body).toMatchObject({ source: 'voice', status: 'on_air', priority: 'normal', title: 'Thông báo trực tiếp', hamletCodes: ['ap-1'] });

    // a known noise-like "voice": found again, to the sample, in the session's recording
    const voice = signalPcm(2500, 3);
    const run = await speakAsOperator({ url: socketOf(id), headers: bearer(operator), sample: (n) => (n * 2 < voice.length ? voice.readInt16LE(n * 2) : 0), durationMs: 2500 });
    await run.done;
    await waitFor(() => run.messages.some((m) => m.type === 'ready'), 'ready from the cloud');
    expect(run.messages[0]).toMatchObject({ type: 'ready', sessionId: id, epoch: opened.body.epoch });
    // what the socket carried was decoded and handed to the session: about the 2.5 s said
    const link = await waitFor(async () => {
      const l = await linkOf(id);
      return l.decodedMs > 2000 ? l : null;
    }, 'the audio decoded into the session', 10_000);
    expect(link).toMatchObject({ connected: true, connections: 1, lastError: null });
    expect(link.receivedBytes).toBeGreaterThan(2.5 * 2000); // Opus at 32 kbit/s: ~4 KB a second
    expect(link.decodedMs).toBeLessThan(3000);

    run.stop();
    const closed = await run.closed;
    expect(closed.code).toBe(1000);
    expect(run.messages.at(-1)).toMatchObject({ type: 'ended', reason: 'stopped' });
    expect((await sessionOf(id)).body).toMatchObject({ status: 'ended', endReason: 'stopped' });
    // what the microphone said is what the session recorded (WebM/Opus → PCM → Ogg/Opus), not just bytes
    const recorded = await decodeToPcm(readFileSync((await test.cloud.radio.live.fileOf(id))!));
    // found piece by piece (200 ms each): under load the session's jitter buffer may drop or pad a
    // 20 ms frame, which shifts what follows but leaves every piece intact
    const piece = 0.2 * 48_000 * 2;
    const pieces = Array.from({ length: Math.floor(voice.length / piece) }, (_, i) => locate(recorded, voice.subarray(i * piece, (i + 1) * piece)));
    const intact = pieces.filter((m) => m.score > 0.8);
    expect(intact.length / pieces.length).toBeGreaterThan(0.7);
    // in order, and the last words too: the stop came after them on the socket, so they were decoded before the end
    expect(pieces.at(-1)!.score).toBeGreaterThan(0.7);
    expect(pieces.at(-1)!.offsetMs - pieces[1]!.offsetMs).toBeGreaterThan(1700);
  }, 30_000);

  it('ends the session "interrupted" when the operator\'s link is gone longer than the grace', async () => {
    const { body } = await open(operator);
    const run = await speakAsOperator({ url: socketOf(body.id), headers: bearer(operator), sample: tone, durationMs: 10_000 });
    await waitFor(async () => (await linkOf(body.id)).decodedMs > 500, 'audio flowing');
    run.hangUp();
    const started = Date.now();
    const ended = await waitFor(async () => {
      const s = await sessionOf(body.id);
      return s.body.status === 'ended' ? s.body : null;
    }, 'the session to end', 10_000);
    expect(ended.endReason).toBe('interrupted');
    expect(ended.endDetail).toMatch(/operator's connection was lost for more than 3 s/);
    expect(Date.now() - started).toBeGreaterThan(2500);
  }, 30_000);

  it('lets a dropped operator reconnect within the grace: the newest socket streams on', async () => {
    const { body } = await open(operator);
    const first = await speakAsOperator({ url: socketOf(body.id), headers: bearer(operator), sample: tone, durationMs: 10_000 });
    await waitFor(async () => (await linkOf(body.id)).decodedMs > 300, 'audio flowing');
    first.hangUp();
    const second = await speakAsOperator({ url: socketOf(body.id), headers: bearer(operator), sample: tone, durationMs: 2500 });
    await second.done;
    expect((await sessionOf(body.id)).body.status).toBe('on_air');
    expect((await linkOf(body.id)).connections).toBe(2);
    second.stop();
    expect((await second.closed).code).toBe(1000);
  }, 30_000);

  it("refuses a person whose role may not speak live, and another operator on someone's session", async () => {
    const refused = await open(viewer);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/radio\.live\.manage/);
    const { body } = await open(operator);
    expect(await upgradeStatus(socketOf(body.id), bearer(viewer))).toBe(403);
    expect(await upgradeStatus(socketOf(body.id), bearer(otherOperator))).toBe(403);
    expect(await upgradeStatus(socketOf(body.id), {})).toBe(401);
    expect(await upgradeStatus(socketOf('lvs_000000000000'), bearer(operator))).toBe(404);
    await test.api('POST', liveStopPath(body.id), undefined, operator);
    expect(await upgradeStatus(socketOf(body.id), bearer(operator))).toBe(410);
  }, 20_000);

  it("refuses the session cookie without the CSRF token, or from another site's page", async () => {
    const cookie = `sc_session=${operator}`;
    const csrf = csrfTokenFor(operator);
    const start = (headers: Record<string, string>) =>
      fetch(`${test.cloud.httpUrl}${LIVE_API_PATH}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ title: 'x', priority: 'normal', targets: { all: true } }) });
    const noCsrf = await start({});
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('csrf_token_invalid');
    const withCsrf = await start({ 'x-csrf-token': csrf });
    expect(withCsrf.status).toBe(201);
    const { id } = (await withCsrf.json()) as { id: string };
    const url = socketOf(id);
    const ownOrigin = test.cloud.httpUrl;
    // the socket: the page's own Origin and its CSRF token, or nothing
    expect(await upgradeStatus(url, { cookie, origin: ownOrigin })).toBe(403);
    expect(await upgradeStatus(`${url}?csrf=${encodeURIComponent(csrf)}`, { cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`${url}?csrf=${encodeURIComponent(csrf)}`, { cookie })).toBe(403);
    expect(await upgradeStatus(`${url}?csrf=wrong`, { cookie, origin: ownOrigin })).toBe(403);
    expect(await upgradeStatus(`${url}?csrf=${encodeURIComponent(csrf)}`, { cookie, origin: ownOrigin })).toBe(101);
    await test.api('POST', liveStopPath(id), undefined, operator);
  }, 20_000);

  it('refuses a speaker zone no chosen box has, and a hamlet that does not exist, starting nothing', async () => {
    const before = (await test.cloud.radio.live.list({ status: 'on_air' })).length;
    const zone = await open(operator, { title: 'x', priority: 'priority', targets: { hamlets: ['ap-1'] }, zones: ['nha-van-hoa'] });
    expect(zone.status).toBe(400);
    expect(zone.body.error.message).toMatch(/unknown speaker zone\(s\) on the chosen boxes: nha-van-hoa \(known: cong-truong\)/);
    const hamlet = await open(operator, { title: 'x', priority: 'normal', targets: { hamlets: ['ap-99'] } });
    expect(hamlet.status).toBe(400);
    expect(hamlet.body.error.message).toMatch(/ap-99/);
    const badPriority = await open(operator, { title: 'x', priority: 'urgent', targets: { all: true } });
    expect(badPriority.status).toBe(400);
    expect(await test.cloud.radio.live.list({ status: 'on_air' })).toHaveLength(before);
    const fine = await open(operator, { title: 'x', priority: 'normal', targets: { hamlets: ['ap-1'] }, zones: ['cong-truong'] });
    expect(fine.status).toBe(201);
    expect(fine.body.zones).toEqual(['cong-truong']);
    await test.api('POST', liveStopPath(fine.body.id), undefined, operator);
  }, 20_000);

  it('closes a socket that sends an oversized message, floods, or sends what is not WebM/Opus', async () => {
    const connect = async (id: string) => {
      const socket = new WebSocket(socketOf(id), { headers: bearer(operator) });
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      await new Promise((resolve) => socket.once('open', resolve));
      return { socket, closed };
    };
    const first = (await open(operator)).body;
    const big = await connect(first.id);
    big.socket.send(Buffer.alloc(100 * 1024, 1));
    expect(await big.closed).toBe(1009);

    const flood = await connect(first.id);
    // a WebM header, then far more bytes a second than a voice needs
    const piece = Buffer.alloc(30 * 1024, 0x1a);
    piece.writeUInt32BE(0x1a45dfa3, 0);
    for (let i = 0; i < 8; i++) flood.socket.send(piece);
    expect(await flood.closed).toBe(LIVE_VOICE_CLOSE.tooFast);
    expect((await linkOf(first.id)).lastError).toMatch(/bytes per second/);
    // nothing usable came: once the grace is over the hamlets stop
    const ended = await waitFor(async () => ((await sessionOf(first.id)).body.status === 'ended' ? (await sessionOf(first.id)).body : null), 'the flooded session to end', 10_000);
    expect(ended).toMatchObject({ endReason: 'interrupted', endDetail: expect.stringMatching(/operator's connection was lost for more than 3 s \(last: more than 65536 bytes per second\)/) });

    const second = (await open(operator)).body;
    const garbage = await connect(second.id);
    garbage.socket.send(Buffer.from('this is not a webm stream at all, just text bytes'.repeat(50)));
    const code = await Promise.race([garbage.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
    expect(code).toBe(LIVE_VOICE_CLOSE.badAudio);
    expect((await linkOf(second.id)).lastError).toMatch(/does not start with a WebM \(EBML\) header/);
    await test.api('POST', liveStopPath(second.id), undefined, operator);
  }, 30_000);
});
