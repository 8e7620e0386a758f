import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertOccurrenceId, type AlertMessage, type PlanItem } from '@smart-commune/shared';
import { decodeFile } from './decode.js';
import { applyGain, trimmedPcmSha256 } from './pcm.js';
import { makeAudio, tempDir, type AudioFile } from './testing/fixtures.js';
import { useSpeakers, plan, planItem, skewedClock, startHarness } from './testing/harness.js';
import { FileJournal } from './journal.js';
import { startSimSpeaker } from '../../../firmware-sim/src/speakers/sim-speaker.js';

useSpeakers(startSimSpeaker);

/** Generous: the tests prove order and content, benchmarks measure precision. */
const TOLERANCE_MS = 20;

describe('RadioPlayer', () => {
  const media = tempDir();
  let normal3s: AudioFile; // opus
  let emergency1s: AudioFile; // mp3
  let short1s: AudioFile; // opus
  let pcm: Record<string, Buffer> = {};

  beforeAll(async () => {
    normal3s = makeAudio(media.dir, 'normal', { seconds: 3, format: 'opus', frequency: 330 });
    emergency1s = makeAudio(media.dir, 'emergency', { seconds: 1, format: 'mp3', frequency: 880 });
    short1s = makeAudio(media.dir, 'short', { seconds: 1, format: 'opus', frequency: 550 });
    pcm = {
      normal: await decodeFile(normal3s.path),
      emergency: await decodeFile(emergency1s.path),
      short: await decodeFile(short1s.path),
    };
  });
  afterAll(() => media.remove());

  it('plays at the planned cloud time on every zone; bit-exact at volume 100 × 100, scaled otherwise', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }, { zone: 'z2', volume: 50 }], files: [emergency1s] });
    try {
      const item = planItem(emergency1s, Date.now() + 1500);
      h.player.load(plan(item));
      const done = await h.waitFor((e) => e.occurrenceId === item.occurrenceId && e.state === 'completed');
      expect(h.statesOf(item.occurrenceId)).toEqual(['started', 'completed']);
      const started = h.events[0]!;
      expect(started.plannedStartAt).toBe(item.startAt);
      expect(started.actualStartAt!).toBeGreaterThanOrEqual(item.startAt);
      expect(started.zones).toEqual(['z1', 'z2']);
      expect(done.durationMs).toBe(Math.ceil(pcm.emergency!.length / 960) * 10);

      const z1 = await h.heard('z1');
      expect(z1.items).toHaveLength(1);
      expect(z1.items[0]!.sha256).toBe(trimmedPcmSha256(pcm.emergency!));
      expect(z1.items[0]!.firstSampleAt!).toBeGreaterThanOrEqual(item.startAt - TOLERANCE_MS);
      const z2 = await h.heard('z2');
      expect(z2.items[0]!.sha256).toBe(trimmedPcmSha256(applyGain(pcm.emergency!, 50, 100)));
      expect(z2.items[0]!.sha256).not.toBe(z1.items[0]!.sha256);
    } finally {
      await h.close();
    }
  });

  it('starts at the right cloud time on a box whose own clock is 7 minutes off', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [short1s], clock: skewedClock(7 * 60_000) });
    try {
      const item = planItem(short1s, Date.now() + 1500);
      h.player.load(plan(item));
      const started = await h.waitFor((e) => e.state === 'started');
      expect(started.actualStartAt!).toBeGreaterThanOrEqual(item.startAt);
      await h.waitFor((e) => e.state === 'completed');
      const z1 = await h.heard('z1');
      expect(z1.items[0]!.firstSampleAt!).toBeGreaterThanOrEqual(item.startAt - TOLERANCE_MS);
      expect(z1.items[0]!.sha256).toBe(trimmedPcmSha256(pcm.short!));
    } finally {
      await h.close();
    }
  });

  for (const policy of ['resume', 'drop'] as const) {
    it(`an emergency cuts a normal item at its start; the normal one is then ${policy === 'resume' ? 'resumed' : 'dropped'}`, async () => {
      const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [normal3s, emergency1s], settings: { interruptedPolicy: policy } });
      try {
        const [n, e] = (await h.loadReady([planItem(normal3s, 0), planItem(emergency1s, 1000, { priority: 'emergency' })])) as [PlanItem, PlanItem];
        await h.waitFor((ev) => ev.occurrenceId === e.occurrenceId && ev.state === 'completed');
        if (policy === 'resume') await h.waitFor((ev) => ev.occurrenceId === n.occurrenceId && ev.state === 'completed');
        else await new Promise((r) => setTimeout(r, 500));

        const order = h.events.map((ev) => `${ev.occurrenceId === n.occurrenceId ? 'N' : 'E'}:${ev.state}`);
        expect(order).toEqual(
          policy === 'resume'
            ? ['N:started', 'N:interrupted', 'E:started', 'E:completed', 'N:resumed', 'N:completed']
            : ['N:started', 'N:interrupted', 'E:started', 'E:completed'],
        );
        const interrupted = h.events[1]!;
        expect(interrupted.reason).toMatch(policy === 'resume' ? /emergency.*will resume/ : /dropped/);
        const eStarted = h.events[2]!;
        expect(eStarted.actualStartAt!).toBeGreaterThanOrEqual(e.startAt);

        const z1 = await h.heard('z1');
        expect(z1.overlaps).toBe(0);
        expect(z1.overruns).toBe(0);
        expect(z1.items).toHaveLength(policy === 'resume' ? 3 : 2);
        expect(z1.items[1]!.sha256).toBe(trimmedPcmSha256(pcm.emergency!));
        expect(z1.items[1]!.firstSampleAt!).toBeGreaterThanOrEqual(e.startAt - TOLERANCE_MS);
        if (policy === 'resume') {
          const completed = h.events[5]!;
          // every frame of the normal item played exactly once, across the two parts
          expect(completed.durationMs).toBe(Math.ceil(pcm.normal!.length / 960) * 10);
          expect(z1.items[0]!.packets + z1.items[2]!.packets).toBe(Math.ceil(pcm.normal!.length / 960));
        }
      } finally {
        await h.close();
      }
    });
  }

  it('a priority item waits for the playing normal one, then goes before an earlier normal one', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [normal3s, short1s, emergency1s] });
    try {
      const [playing, waitingNormal] = (await h.loadReady([
        planItem(normal3s, 0),
        planItem(short1s, 300),
        planItem(emergency1s, 600, { priority: 'priority' }),
      ])) as [PlanItem, PlanItem, PlanItem];
      await h.waitFor((e) => e.occurrenceId === waitingNormal.occurrenceId && e.state === 'completed');
      const name = (id: string) => (id === playing.occurrenceId ? 'N1' : id === waitingNormal.occurrenceId ? 'N2' : 'P');
      expect(h.events.map((e) => `${name(e.occurrenceId)}:${e.state}`)).toEqual(['N1:started', 'N1:completed', 'P:started', 'P:completed', 'N2:started', 'N2:completed']);
      const z1 = await h.heard('z1');
      expect(z1.items.map((i) => i.sha256)).toEqual([trimmedPcmSha256(pcm.normal!), trimmedPcmSha256(pcm.emergency!), trimmedPcmSha256(pcm.short!)]);
      expect(z1.overlaps).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('reports items whose time passed while it was not running as missed, once, and plays late ones still in their window', async () => {
    const journalDir = tempDir();
    const journalPath = `${journalDir.dir}/journal.json`;
    const now = Date.now();
    const long = planItem(short1s, now - 20 * 60_000);
    const lateEmergencyGone = planItem(emergency1s, now - 20 * 60_000, { priority: 'emergency' });
    const late = planItem(short1s, now - 5 * 60_000);
    const body = plan(long, lateEmergencyGone, late);

    let h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [short1s, emergency1s], journal: new FileJournal(journalPath) });
    try {
      h.player.load(body);
      await h.waitFor((e) => e.occurrenceId === late.occurrenceId && e.state === 'completed');
      expect(h.statesOf(long.occurrenceId)).toEqual(['missed']);
      expect(h.statesOf(lateEmergencyGone.occurrenceId)).toEqual(['missed']);
      expect(h.events.find((e) => e.occurrenceId === long.occurrenceId)!.reason).toMatch(/not running/);
      const started = h.events.find((e) => e.occurrenceId === late.occurrenceId && e.state === 'started')!;
      expect(started.reason).toMatch(/late/);
      h.player.load(body); // the same plan again: nothing new
      await new Promise((r) => setTimeout(r, 200));
      expect(h.events).toHaveLength(4);
    } finally {
      await h.close();
    }
    // a restart with the same journal: nothing replayed, nothing reported twice
    h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [short1s, emergency1s], journal: new FileJournal(journalPath) });
    try {
      h.player.load(body);
      await new Promise((r) => setTimeout(r, 500));
      expect(h.events).toEqual([]);
      expect((await h.heard('z1')).items).toEqual([]);
    } finally {
      await h.close();
      journalDir.remove();
    }
  });

  it('an alert occurrence arriving by broadcast and by plan plays once; a cancel stops the playing one', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [emergency1s, normal3s] });
    const self = { edgeId: 'edg_radio01', hamletCode: 'thon-1' };
    try {
      const startAt = Date.now() + 1500;
      const alert: AlertMessage = {
        action: 'start', alertId: 'alr_flood', version: 1, title: 'Lũ', priority: 'emergency',
        source: { kind: 'asset', asset: emergency1s.asset }, startAt, repeatEveryMs: null,
        expiresAt: startAt + 3600_000, volume: 100, targets: { all: false, hamlets: ['thon-1'], edges: [] },
      };
      const occurrenceId = alertOccurrenceId('alr_flood', 0);
      h.player.handleAlert(alert, self);
      h.player.handleAlert(alert, self); // QoS 1 redelivery
      h.player.load(plan(planItem(emergency1s, startAt, { occurrenceId, scheduleId: 'alr_flood', priority: 'emergency', bulletinId: 'bul_flood' })));
      h.player.handleAlert({ ...alert, alertId: 'alr_other', targets: { all: false, hamlets: ['thon-2'], edges: [] } }, self); // not for us
      await h.waitFor((e) => e.occurrenceId === occurrenceId && e.state === 'completed');
      h.player.load(plan(planItem(emergency1s, startAt, { occurrenceId, scheduleId: 'alr_flood', priority: 'emergency' }))); // plan again afterwards
      h.player.handleAlert(alert, self);
      await new Promise((r) => setTimeout(r, 300));
      expect(h.events.map((e) => [e.occurrenceId, e.state])).toEqual([[occurrenceId, 'started'], [occurrenceId, 'completed']]);
      expect(h.events[0]!.bulletinId).toBe('bul_flood'); // the plan's copy is the reference
      expect((await h.heard('z1')).items).toHaveLength(1);

      // a second alert (3 s) cancelled while it plays
      const second: AlertMessage = { ...alert, alertId: 'alr_fire', source: { kind: 'asset', asset: normal3s.asset }, startAt: Date.now() + 1000 };
      h.player.handleAlert(second, self);
      const fireId = alertOccurrenceId('alr_fire', 0);
      await h.waitFor((e) => e.occurrenceId === fireId && e.state === 'started');
      h.player.handleAlert({ action: 'cancel', alertId: 'alr_fire', version: 2 }, self);
      const cut = await h.waitFor((e) => e.occurrenceId === fireId && e.state === 'interrupted');
      expect(cut.reason).toMatch(/alert cancelled/);
      h.player.handleAlert(second, self); // the stale start (version 1) does not bring it back
      h.player.load(plan(planItem(normal3s, second.startAt, { occurrenceId: fireId, priority: 'emergency' })));
      await new Promise((r) => setTimeout(r, 500));
      expect(h.statesOf(fireId)).toEqual(['started', 'interrupted']);
    } finally {
      await h.close();
    }
  });

  it('an item cut by a stop resumes after the restart; one cut by a crash is reported interrupted', async () => {
    const journalDir = tempDir();
    const journalPath = `${journalDir.dir}/journal.json`;
    const clock = skewedClock(0);
    let h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [normal3s, short1s], journal: new FileJournal(journalPath), clock });
    let items: PlanItem[];
    try {
      items = await h.loadReady([planItem(normal3s, 0), planItem(short1s, 0)]);
      await h.waitFor((e) => e.occurrenceId === items[0]!.occurrenceId && e.state === 'started');
      await new Promise((r) => setTimeout(r, 700));
    } finally {
      await h.close(); // the daemon stops mid-item
    }
    const [n, crashed] = items as [PlanItem, PlanItem];
    expect(h.statesOf(n.occurrenceId)).toEqual(['started', 'interrupted']);
    expect(h.events[1]!.reason).toMatch(/edge stopping; will resume/);
    const playedBefore = h.events[1]!.durationMs!;
    expect(playedBefore).toBeGreaterThan(0);
    // a second item the journal says was playing when the box died
    const journal = new FileJournal(journalPath);
    journal.setOccurrence(crashed.occurrenceId, { state: 'playing', plannedStartAt: crashed.startAt, actualStartAt: crashed.startAt, offsetFrames: 0, interruptedAt: null, at: Date.now() });

    h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [normal3s, short1s], journal: new FileJournal(journalPath), clock });
    try {
      h.player.load(plan(n, crashed));
      await h.waitFor((e) => e.occurrenceId === n.occurrenceId && e.state === 'completed');
      expect(h.statesOf(crashed.occurrenceId)).toEqual(['interrupted']);
      expect(h.events.find((e) => e.occurrenceId === crashed.occurrenceId)!.reason).toMatch(/stopped during playback/);
      expect(h.statesOf(n.occurrenceId)).toEqual(['resumed', 'completed']);
      expect(h.events.find((e) => e.state === 'resumed')!.reason).toContain(`resumed at ${playedBefore} ms`);
      expect(h.events.find((e) => e.state === 'completed')!.durationMs).toBe(Math.ceil(pcm.normal!.length / 960) * 10);
      const z1 = await h.heard('z1');
      expect(z1.items).toHaveLength(1);
      expect(z1.items[0]!.packets).toBe(Math.ceil(pcm.normal!.length / 960) - playedBefore / 10);
    } finally {
      await h.close();
      journalDir.remove();
    }
  });

  it('an item whose asset cannot be downloaded is missed with the reason', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [], player: { lateness: { normal: 1500 }, retryMs: 300 } });
    try {
      const item = planItem(short1s, Date.now() + 500); // short1s is not on the asset server
      h.player.load(plan(item));
      const missed = await h.waitFor((e) => e.occurrenceId === item.occurrenceId);
      expect(missed.state).toBe('missed');
      expect(missed.reason).toMatch(/not ready: asset .* HTTP 404/);
    } finally {
      await h.close();
    }
  });

  it('reports a zone whose speaker is offline, and fails when no speaker can play', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }, { zone: 'z2', volume: 100 }], files: [short1s] });
    try {
      h.speakers.z2!.setFaults({ offline: true });
      const health = await h.player.checkSpeakers();
      expect(health.map((s) => [s.zone, s.health.state])).toEqual([['z1', 'ok'], ['z2', 'offline']]);
      expect(h.player.status().speakers[1]!.health.reason).toMatch(/503/);
      const one = planItem(short1s, Date.now() + 1000);
      h.player.load(plan(one));
      const started = await h.waitFor((e) => e.state === 'started');
      expect(started.zones).toEqual(['z1']);
      expect(started.reason).toMatch(/z2/);
      await h.waitFor((e) => e.state === 'completed');

      const onlyZ2 = planItem(short1s, Date.now() + 500, { zones: ['z2'] });
      h.player.load(plan(one, onlyZ2));
      const failed = await h.waitFor((e) => e.occurrenceId === onlyZ2.occurrenceId);
      expect(failed.state).toBe('failed');
      expect(failed.reason).toMatch(/unavailable.*z2/);
    } finally {
      await h.close();
    }
  });
});
