import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveOccurrenceId, liveStreamPath, type LiveDoc, type LiveSessionEntry } from '@smart-commune/shared';
import { startSimSpeaker } from '../../../../firmware-sim/src/speakers/sim-speaker.js';
import { signalPcm } from '../../../../test-support/live-audio.js';
import { sleep } from '../../../../test-support/wait.js';
import { makeAudio, tempDir, type AudioFile } from '../testing/fixtures.js';
import { credentials, planItem, startHarness, useSpeakers } from '../testing/harness.js';

useSpeakers(startSimSpeaker);

const EDGE = 'edg_radio01';

/**
 * The player's side of live sessions against a stand-in cloud stream: what happens to a session
 * that ends while the box is busy (the end-to-end cases, with the real cloud, are in
 * firmware-sim/src/e2e/live.test.ts).
 */
describe('live sessions in the player', () => {
  const media = tempDir();
  let bulletin: AudioFile;
  let ogg: Buffer;
  let server: Server;
  let cloudUrl: string;
  const open: ServerResponse[] = [];

  beforeAll(async () => {
    bulletin = makeAudio(media.dir, 'long', { seconds: 6, format: 'opus', frequency: 500 });
    writeFileSync(join(media.dir, 'voice.pcm'), signalPcm(4000, 2));
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', '48000', '-ac', '1', '-i', join(media.dir, 'voice.pcm'), '-c:a', 'libopus', '-frame_duration', '20', '-page_duration', '20000', '-f', 'ogg', join(media.dir, 'voice.ogg')]);
    ogg = readFileSync(join(media.dir, 'voice.ogg'));
    // the stream route: the session's bytes so far, then the connection stays open (the session is on air)
    server = createServer((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`) return res.writeHead(401).end();
      res.writeHead(200, { 'content-type': 'audio/ogg' });
      res.write(ogg);
      open.push(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cloudUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    media.remove();
  });

  const session = (id: string, over: Partial<LiveSessionEntry> = {}): LiveSessionEntry => ({
    sessionId: id,
    source: 'voice',
    title: 'Loa trực tiếp',
    priority: 'normal',
    edges: [EDGE],
    zones: null,
    epoch: Date.now() + 300,
    streamPath: liveStreamPath(id),
    endedAt: null,
    ...over,
  });
  const doc = (...sessions: LiveSessionEntry[]): LiveDoc => ({ v: 1, sessions });

  it('a normal session waits for the playing bulletin; ended before the bulletin did, it is missed and the bulletin plays on uncut', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [bulletin], player: { live: { cloudUrl, credentials: () => credentials } } });
    try {
      const [item] = await h.loadReady([planItem(bulletin, 0)]);
      await h.waitFor((e) => e.occurrenceId === item!.occurrenceId && e.state === 'started');
      const s = session('lvs_aaaaaaaaaaaa');
      h.player.handleLive(doc(s), EDGE);
      await sleep(1500);
      expect(h.player.status().playing?.occurrenceId).toBe(item!.occurrenceId); // a normal session does not cut in
      expect(h.player.status().queued.map((q) => q.occurrenceId)).toContain(liveOccurrenceId('voice', s.sessionId));
      h.player.handleLive(doc({ ...s, endedAt: Date.now(), endReason: 'stopped' }), EDGE);
      const missed = await h.waitFor((e) => e.occurrenceId === liveOccurrenceId('voice', s.sessionId));
      expect(missed.state).toBe('missed');
      expect(missed.reason).toContain('before it could start here');
      await h.waitFor((e) => e.occurrenceId === item!.occurrenceId && e.state === 'completed');
      expect(h.statesOf(item!.occurrenceId)).toEqual(['started', 'completed']);
      // the document again (retained, after a reconnect): nothing is played or reported twice
      h.player.handleLive(doc({ ...s, endedAt: Date.now(), endReason: 'stopped' }), EDGE);
      await sleep(300);
      expect(h.statesOf(liveOccurrenceId('voice', s.sessionId))).toEqual(['missed']);
    } finally {
      await h.close();
    }
  }, 40_000);

  it('an emergency session cuts in at its epoch; interrupted by the cloud, it stops at once and the bulletin resumes', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [bulletin], player: { live: { cloudUrl, credentials: () => credentials } } });
    try {
      const [item] = await h.loadReady([planItem(bulletin, 0)]);
      await h.waitFor((e) => e.occurrenceId === item!.occurrenceId && e.state === 'started');
      const s = session('lvs_bbbbbbbbbbbb', { priority: 'emergency', epoch: Date.now() + 400 });
      const occurrence = liveOccurrenceId('voice', s.sessionId);
      h.player.handleLive(doc(s), EDGE);
      const started = await h.waitFor((e) => e.occurrenceId === occurrence && e.state === 'started');
      expect(started.actualStartAt! - s.epoch).toBeLessThan(60);
      expect(started.plannedStartAt).toBe(s.epoch);
      expect(started.scheduleId).toBe(s.sessionId);
      expect(started.bulletinId).toBeNull();
      expect(h.statesOf(item!.occurrenceId)).toEqual(['started', 'interrupted']);
      await sleep(700);
      h.player.handleLive(doc({ ...s, endedAt: Date.now(), endReason: 'interrupted' }), EDGE);
      const cut = await h.waitFor((e) => e.occurrenceId === occurrence && e.state === 'interrupted');
      expect(cut.reason).toContain('interrupted');
      expect(cut.durationMs!).toBeGreaterThan(400);
      await h.waitFor((e) => e.occurrenceId === item!.occurrenceId && e.state === 'completed');
      expect(h.statesOf(item!.occurrenceId)).toEqual(['started', 'interrupted', 'resumed', 'completed']);
      expect((await h.heard('z1')).overlaps).toBe(0);
    } finally {
      await h.close();
    }
  }, 40_000);
});
