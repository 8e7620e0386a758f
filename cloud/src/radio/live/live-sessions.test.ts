import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveDocSchema, liveStreamPath, newId, topics, LIVE_BROADCAST, type LiveDoc } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { CSRF_HEADER, csrfTokenFor, SESSION_COOKIE } from '../../auth/session-cookie.js';
import { decodeToPcm, locate, signalPcm } from '../../../../test-support/live-audio.js';
import { sleep, waitFor } from '../../../../test-support/wait.js';

const basic = (edgeId: string, password: string) => `Basic ${Buffer.from(`${edgeId}:${password}`).toString('base64')}`;

/** Writes PCM in real time, 20 ms at a time, as a producer would. */
async function speak(write: (pcm: Buffer) => void, pcm: Buffer): Promise<void> {
  const chunk = 1920;
  const t0 = performance.now();
  for (let i = 0, k = 0; i < pcm.length; i += chunk, k++) {
    write(pcm.subarray(i, i + chunk));
    const wait = t0 + (k + 1) * 20 - performance.now();
    if (wait > 0) await sleep(wait);
  }
}

describe('live sessions (cloud)', () => {
  let test: TestCloud;
  let ap1: { edgeId: string; password: string };
  let ap2: { edgeId: string; password: string };
  let docs: LiveDoc[];
  let unsubscribe: () => Promise<void>;

  beforeEach(async () => {
    test = await startTestCloud({ SC_LIVE_PLAYOUT_MS: 800, SC_LIVE_JITTER_MS: 200 });
    ap1 = await claimTestEdge(test, 'ap-1');
    ap2 = await claimTestEdge(test, 'ap-2');
    docs = [];
    unsubscribe = await test.cloud.broker.subscribe(topics.broadcast(LIVE_BROADCAST), (_t, payload) => {
      if (payload.length) docs.push(liveDocSchema.parse(JSON.parse(payload.toString())));
    });
  });
  afterEach(async () => {
    await unsubscribe();
    await test.stop();
  });

  it('streams what the producer says, in time, to the targeted box only, and archives the recording as a bulletin', async () => {
    const started = await test.api('POST', '/api/v1/radio/live', { title: 'Họp khẩn tổ dân phố', priority: 'priority', targets: { hamlets: ['ap-1'] } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const s = started.body;
    expect(s).toMatchObject({ source: 'voice', status: 'on_air', edges: [ap1.edgeId], hamletCodes: ['ap-1'], zones: null, streamPath: liveStreamPath(s.id) });
    expect(s.epoch - s.startedAt).toBe(800);
    const doc = await waitFor(() => docs.find((d) => d.sessions.some((x) => x.sessionId === s.id)), 'live document');
    expect(doc.sessions[0]).toMatchObject({ sessionId: s.id, source: 'voice', edges: [ap1.edgeId], epoch: s.epoch, endedAt: null, streamPath: s.streamPath });

    // a box the session does not target is refused; no credentials at all too
    const other = await fetch(`${test.cloud.httpUrl}${s.streamPath}`, { headers: { authorization: basic(ap2.edgeId, ap2.password) } });
    expect(other.status).toBe(403);
    expect((await fetch(`${test.cloud.httpUrl}${s.streamPath}`)).status).toBe(401);

    const stream = await fetch(`${test.cloud.httpUrl}${s.streamPath}`, { headers: { authorization: basic(ap1.edgeId, ap1.password) } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('audio/ogg');
    const chunks: Buffer[] = [];
    let firstByteAt = 0;
    const reading = (async () => {
      for await (const c of stream.body as unknown as AsyncIterable<Uint8Array>) {
        if (!firstByteAt) firstByteAt = Date.now();
        chunks.push(Buffer.from(c));
      }
    })();

    const input = test.cloud.radio.live.inputOf(s.id)!;
    expect(input).not.toBeNull();
    await sleep(300);
    const said = signalPcm(1500, 7);
    const saidAt = Date.now();
    await speak((pcm) => input.write(pcm), said);
    // bytes reach the box while the session is on air (a page per 20 ms, flushed at once), not at its end
    expect(firstByteAt).toBeGreaterThan(0);
    await sleep(150);
    const receivedOnAir = chunks.reduce((n, c) => n + c.length, 0);

    const stopped = await test.api('POST', `/api/v1/radio/live/${s.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: 'ended', endReason: 'stopped' });
    await reading; // the stream ends with the session
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(receivedOnAir / total).toBeGreaterThan(0.85);
    const pcm = await decodeToPcm(Buffer.concat(chunks), 'ogg');
    // the stream is the session's clock: one frame per 20 ms from the start, however the producer wrote
    expect(Math.abs(pcm.length / 96 - stopped.body.durationMs)).toBeLessThan(100);
    const match = locate(pcm, said);
    expect(match.score).toBeGreaterThan(0.8);
    // sample k is at start + k/48 ms: the signal sits where it was said plus the jitter buffer
    // (taken once 200 ms are there, i.e. after the tenth 20 ms write, 180 ms after the first)
    const saidMs = saidAt - s.startedAt;
    expect(match.offsetMs).toBeGreaterThan(saidMs + 180 - 40);
    expect(match.offsetMs).toBeLessThan(saidMs + 180 + 100);

    const ended = await waitFor(() => docs.find((d) => d.sessions.some((x) => x.sessionId === s.id && x.endedAt !== null)), 'ended in the document');
    expect(ended.sessions.find((x) => x.sessionId === s.id)).toMatchObject({ endReason: 'stopped' });

    // the recording becomes an archive bulletin, replayable like any
    const archived = await waitFor(async () => (await test.api('GET', `/api/v1/radio/live/${s.id}`)).body.bulletinId, 'archive bulletin');
    const bulletin = await test.api('GET', `/api/v1/bulletins/${archived}`);
    expect(bulletin.status).toBe(200);
    expect(bulletin.body.title).toContain('Họp khẩn tổ dân phố');

    // after the end, the whole recording is still served (a box that reconnects late)
    const again = await fetch(`${test.cloud.httpUrl}${s.streamPath}`, { headers: { authorization: basic(ap1.edgeId, ap1.password), range: 'bytes=100-' } });
    expect(again.status).toBe(206);
    expect(Buffer.from(await again.arrayBuffer()).equals(Buffer.concat(chunks).subarray(100))).toBe(true);
  });

  it('ends interrupted when the producer goes silent, and refuses bad starts with clear errors', async () => {
    const { session, input } = await test.cloud.radio.live.start({ source: 'voice', title: 'Thử', priority: 'normal', targets: { all: true }, startedBy: null, communeCode: null, inputTimeoutMs: 400 });
    expect(session.edges.sort()).toEqual([ap1.edgeId, ap2.edgeId].sort());
    expect(session.epoch - session.startedAt).toBe(800); // SC_LIVE_PLAYOUT_MS: no playout latency of its own
    input.write(signalPcm(200));
    const ended = await waitFor(async () => ((await test.cloud.radio.live.get(session.id)).status === 'ended' ? test.cloud.radio.live.get(session.id) : null), 'interrupted');
    expect(ended.endReason).toBe('interrupted');
    expect(ended.endDetail).toContain("operator's microphone");
    input.write(signalPcm(200)); // ignored once ended

    const bad = async (body: unknown) => test.api('POST', '/api/v1/radio/live', body);
    expect((await bad({ title: 'x', priority: 'normal', targets: { hamlets: ['ap-99'] } })).body.error.message).toContain('ap-99');
    expect((await bad({ title: 'x', priority: 'normal', targets: { hamlets: ['ap-5'] } })).body.error.message).toContain('no box in service');
    const zone = await bad({ title: 'x', priority: 'normal', targets: { hamlets: ['ap-1'] }, zones: ['cho-moi'] });
    expect(zone.status).toBe(400);
    expect(zone.body.error.message).toContain('cho-moi');
    expect((await bad({ title: '', priority: 'normal', targets: { all: true } })).status).toBe(400);
    expect((await bad({ title: 'x', priority: 'urgent', targets: { all: true } })).status).toBe(400);
    // a session's own playout latency (relays have SC_RELAY_PLAYOUT_MS) is bounded like the setting
    await expect(test.cloud.radio.live.start({ source: 'relay', title: 'x', priority: 'normal', targets: { all: true }, startedBy: null, communeCode: null, playoutMs: 50 })).rejects.toThrow(/playout latency .* 200 to 10000, not 50/);
    expect(await test.cloud.radio.live.list({ status: 'on_air' })).toEqual([]);

    // a viewer may not speak to the commune
    await test.api('POST', '/api/v1/users', { username: 'xem', password: 'mat-khau-xem-1234', role: 'viewer', mustChangePassword: false });
    const viewer = await test.login('xem', 'mat-khau-xem-1234');
    expect((await test.api('POST', '/api/v1/radio/live', { title: 'x', priority: 'normal', targets: { all: true } }, viewer)).status).toBe(403);

    // the console's cookie starts a session only with the page's CSRF token
    await test.api('POST', '/api/v1/users', { username: 'phat-thanh', password: 'mat-khau-phat-thanh-1', role: 'operator', mustChangePassword: false });
    const operator = await test.login('phat-thanh', 'mat-khau-phat-thanh-1');
    const withCookie = (headers: Record<string, string>) =>
      fetch(`${test.cloud.httpUrl}/api/v1/radio/live`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `${SESSION_COOKIE}=${operator}`, ...headers },
        body: JSON.stringify({ title: 'Từ trang trực tiếp', priority: 'normal', targets: { hamlets: ['ap-2'] } }),
      });
    const forged = await withCookie({});
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('csrf_token_invalid');
    expect(await test.cloud.radio.live.list({ status: 'on_air' })).toEqual([]);
    const made = await withCookie({ [CSRF_HEADER]: csrfTokenFor(operator) });
    expect(made.status).toBe(201);
    const id = ((await made.json()) as { id: string }).id;
    expect(await test.cloud.radio.live.get(id)).toMatchObject({ status: 'on_air', edges: [ap2.edgeId] });
    await test.cloud.radio.live.stop(id, null);
  });

  it("holds the cap of 8 sessions on air counting every cloud process's, refusing the ninth with no encoder or file left behind", async () => {
    // seven sessions another cloud process has on air (its rows; this process knows nothing else of them)
    const others = Array.from({ length: 7 }, () => newId('lvs'));
    await test.cloud.query.db
      .insertInto('live_sessions')
      .values(others.map((id, i) => ({ id, source: 'relay', title: `Khác ${i}`, priority: 'normal', edges: '[]', hamlet_codes: '[]', started_at: Date.now(), epoch: Date.now() + 800, file: `/elsewhere/${i}.ogg` })))
      .execute();
    const liveFiles = () => readdirSync(join(test.dataDir, 'live')).length;
    const filesBefore = liveFiles();
    const eighth = await test.api('POST', '/api/v1/radio/live', { title: 'Thứ tám', priority: 'normal', targets: { hamlets: ['ap-1'] } });
    expect(eighth.status, JSON.stringify(eighth.body)).toBe(201);
    const ninth = await test.api('POST', '/api/v1/radio/live', { title: 'Thứ chín', priority: 'normal', targets: { hamlets: ['ap-2'] } });
    expect(ninth.status).toBe(409);
    expect(ninth.body.error.message).toBe('at most 8 live sessions may be on air at once; stop one first');
    // only the eighth's recording: the ninth's encoder was stopped and its file removed
    expect(liveFiles()).toBe(filesBefore + 1);
    expect((await test.cloud.radio.live.list({ status: 'on_air' })).map((x) => x.title).sort()).toEqual([...Array.from({ length: 7 }, (_, i) => `Khác ${i}`), 'Thứ tám'].sort());
    // one of the other process's ends: a start fits again
    await test.cloud.query.db.updateTable('live_sessions').set({ ended_at: Date.now(), end_reason: 'stopped' }).where('id', '=', others[0]!).execute();
    const again = await test.api('POST', '/api/v1/radio/live', { title: 'Thứ chín, lần hai', priority: 'normal', targets: { hamlets: ['ap-2'] } });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    for (const id of [eighth.body.id, again.body.id]) await test.cloud.radio.live.stop(id, null);
  });

  it('a session left on air by a cloud that stopped is ended interrupted at the next start; a voice recording the stop left unarchived is archived then', async () => {
    const { session } = await test.cloud.radio.live.start({ source: 'relay', title: 'VOV1', priority: 'normal', targets: { hamlets: ['ap-2'] }, startedBy: null, communeCode: null });
    const voice = await test.cloud.radio.live.start({ source: 'voice', title: 'Nói dở thì máy chủ tắt', priority: 'normal', targets: { hamlets: ['ap-1'] }, startedBy: null, communeCode: null });
    await speak((pcm) => voice.input.write(pcm), signalPcm(1200, 4));
    const dataDir = test.dataDir;
    await test.stop({ keepData: true });
    // as if the process had died instead for the relay: its row still on air
    const db = new Database(join(dataDir, 'cloud.db'));
    db.prepare('UPDATE live_sessions SET ended_at = NULL, end_reason = NULL, end_detail = NULL WHERE id = ?').run(session.id);
    const stoppedVoice = db.prepare('SELECT end_reason, end_detail, bulletin_id FROM live_sessions WHERE id = ?').get(voice.session.id);
    db.close();
    expect(stoppedVoice).toEqual({ end_reason: 'interrupted', end_detail: 'the cloud stopped', bulletin_id: null });
    const restarted = await startTestCloud({}, dataDir);
    test = restarted;
    expect(await restarted.cloud.radio.live.get(session.id)).toMatchObject({ status: 'ended', endReason: 'interrupted', endDetail: 'the cloud stopped during the session' });
    const bulletinId = await waitFor(async () => (await restarted.cloud.radio.live.get(voice.session.id)).bulletinId, 'the voice recording archived after the restart');
    expect((await restarted.api('GET', `/api/v1/bulletins/${bulletinId}`)).body.title).toContain('Nói dở thì máy chủ tắt');
    // a relay is not archived: its recording stays a file
    expect((await restarted.cloud.radio.live.get(session.id)).bulletinId).toBeNull();
  });
});
