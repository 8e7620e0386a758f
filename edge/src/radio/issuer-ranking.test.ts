import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertOccurrenceId, type AlertMessage, type Issuer, type PlanItem, type Priority } from '@smart-commune/shared';
import { decodeFile } from './decode.js';
import { trimmedPcmSha256 } from './pcm.js';
import { compareRanked, preempts, rankLevel } from './queue.js';
import { makeAudio, tempDir, type AudioFile } from './testing/fixtures.js';
import { planItem, startHarness, useSpeakers } from './testing/harness.js';
import { startSimSpeaker } from '../../../firmware-sim/src/speakers/sim-speaker.js';

useSpeakers(startSimSpeaker);

/** A priority and who issued it (undefined: no issuer, as from a cloud before issue 10: the commune's). */
type Level = { priority: Priority; issuer: Issuer | undefined };
const name = (l: Level) => `${l.issuer ?? 'no-issuer'} ${l.priority}`;
const lv = (priority: Priority, issuer: Issuer | undefined): Level => ({ priority, issuer });
const withIssuer = (l: Level): Partial<PlanItem> => ({ priority: l.priority, ...(l.issuer ? { issuer: l.issuer } : {}) });

describe('ranking across the province and the commune (rules)', () => {
  it('ranks commune normal < province normal < commune priority < province priority < commune emergency < province emergency', () => {
    const order = [lv('emergency', 'province'), lv('emergency', 'commune'), lv('priority', 'province'), lv('priority', 'commune'), lv('normal', 'province'), lv('normal', 'commune')];
    const shuffled = [order[3], order[5], order[0], order[4], order[2], order[1]].map((l, seq) => ({ ...l!, startAt: 100 * (6 - seq), seq }));
    expect(shuffled.sort(compareRanked).map(name)).toEqual(order.map(name));
    expect(rankLevel('emergency', undefined)).toBe(rankLevel('emergency', 'commune'));
  });

  it('only an emergency cuts in, and only into a lower rank', () => {
    const all = (['normal', 'priority', 'emergency'] as const).flatMap((p) => [lv(p, 'commune'), lv(p, 'province'), lv(p, undefined)]);
    for (const candidate of all) {
      for (const playing of all) {
        const expected = candidate.priority === 'emergency' && rankLevel(candidate.priority, candidate.issuer) > rankLevel(playing.priority, playing.issuer);
        expect(preempts(candidate, playing), `${name(candidate)} over ${name(playing)}`).toBe(expected);
      }
    }
    expect(preempts(lv('emergency', 'province'), lv('emergency', 'commune'))).toBe(true);
    expect(preempts(lv('emergency', 'commune'), lv('emergency', 'province'))).toBe(false);
    expect(preempts(lv('emergency', 'commune'), lv('priority', 'province'))).toBe(true);
    expect(preempts(lv('priority', 'province'), lv('normal', 'commune'))).toBe(false);
  });
});

describe('RadioPlayer: conflicts and cut-ins across the two levels', () => {
  const media = tempDir();
  let long3s: AudioFile;
  let short1s: AudioFile;
  let pcm: Record<string, Buffer> = {};

  beforeAll(async () => {
    long3s = makeAudio(media.dir, 'long', { seconds: 3, format: 'opus', frequency: 330 });
    short1s = makeAudio(media.dir, 'short', { seconds: 1, format: 'mp3', frequency: 880 });
    pcm = { long: await decodeFile(long3s.path), short: await decodeFile(short1s.path) };
  });
  afterAll(() => media.remove());

  /**
   * `playing` (3 s) starts first; `arriving` (1 s) is due 1 s later. Either it cuts in (the playing
   * one is interrupted, then resumes or is dropped by policy) or it waits for the end.
   */
  const cases: Array<{ playing: Level; arriving: Level; cuts: boolean }> = [
    { playing: lv('emergency', 'commune'), arriving: lv('emergency', 'province'), cuts: true },
    { playing: lv('emergency', undefined), arriving: lv('emergency', 'province'), cuts: true },
    { playing: lv('priority', 'province'), arriving: lv('emergency', 'province'), cuts: true },
    { playing: lv('emergency', 'province'), arriving: lv('emergency', 'commune'), cuts: false },
    { playing: lv('emergency', 'province'), arriving: lv('emergency', 'province'), cuts: false },
    { playing: lv('emergency', 'commune'), arriving: lv('emergency', undefined), cuts: false },
    { playing: lv('priority', 'province'), arriving: lv('emergency', 'commune'), cuts: true },
    { playing: lv('normal', 'province'), arriving: lv('emergency', undefined), cuts: true },
    { playing: lv('normal', 'commune'), arriving: lv('priority', 'province'), cuts: false },
  ];

  for (const { playing, arriving, cuts } of cases) {
    it(`a ${name(arriving)} item ${cuts ? 'cuts into' : 'waits for'} a playing ${name(playing)} one`, async () => {
      const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [long3s, short1s] });
      try {
        const [a, b] = (await h.loadReady([planItem(long3s, 0, withIssuer(playing)), planItem(short1s, 1000, withIssuer(arriving))])) as [PlanItem, PlanItem];
        await h.waitFor((e) => e.occurrenceId === a.occurrenceId && e.state === 'completed');
        await h.waitFor((e) => e.occurrenceId === b.occurrenceId && e.state === 'completed');
        const tag = (id: string) => (id === a.occurrenceId ? 'A' : 'B');
        const order = h.events.map((e) => `${tag(e.occurrenceId)}:${e.state}`);
        expect(order).toEqual(cuts ? ['A:started', 'A:interrupted', 'B:started', 'B:completed', 'A:resumed', 'A:completed'] : ['A:started', 'A:completed', 'B:started', 'B:completed']);
        if (cuts) expect(h.events[1]!.reason).toMatch(arriving.issuer === 'province' ? /interrupted by province emergency.*will resume/ : /interrupted by emergency.*will resume/);
        const z1 = await h.heard('z1');
        expect(z1.overlaps).toBe(0);
        // whatever the order, every frame of both played exactly once
        expect(z1.items.reduce((n, i) => n + i.packets, 0)).toBe(Math.ceil(pcm.long!.length / 960) + Math.ceil(pcm.short!.length / 960));
        if (!cuts) expect(z1.items.map((i) => i.sha256)).toEqual([trimmedPcmSha256(pcm.long!), trimmedPcmSha256(pcm.short!)]);
      } finally {
        await h.close();
      }
    });
  }

  it('interruptedPolicy drop: a commune emergency cut by a province emergency is dropped, not resumed', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [long3s, short1s], settings: { interruptedPolicy: 'drop' } });
    try {
      const [a, b] = (await h.loadReady([planItem(long3s, 0, { priority: 'emergency' }), planItem(short1s, 1000, { priority: 'emergency', issuer: 'province' })])) as [PlanItem, PlanItem];
      await h.waitFor((e) => e.occurrenceId === b.occurrenceId && e.state === 'completed');
      await new Promise((r) => setTimeout(r, 400));
      expect(h.events.map((e) => `${e.occurrenceId === a.occurrenceId ? 'A' : 'B'}:${e.state}`)).toEqual(['A:started', 'A:interrupted', 'B:started', 'B:completed']);
      expect(h.events[1]!.reason).toMatch(/province emergency.*dropped/);
    } finally {
      await h.close();
    }
  });

  it('when the timeline frees, a province item goes before a commune item of the same priority that was due earlier', async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [long3s, short1s] });
    try {
      const [first, communeP, provinceP, provinceN] = (await h.loadReady([
        planItem(long3s, 0),
        planItem(short1s, 300, { priority: 'priority', issuer: 'commune' }),
        planItem(short1s, 600, { priority: 'priority', issuer: 'province' }),
        planItem(short1s, 900, { priority: 'normal', issuer: 'province' }),
      ])) as [PlanItem, PlanItem, PlanItem, PlanItem];
      await h.waitFor((e) => e.occurrenceId === provinceN.occurrenceId && e.state === 'completed', 30_000);
      const tag = new Map([[first.occurrenceId, 'first'], [communeP.occurrenceId, 'commune-priority'], [provinceP.occurrenceId, 'province-priority'], [provinceN.occurrenceId, 'province-normal']]);
      expect(h.events.filter((e) => e.state === 'started').map((e) => tag.get(e.occurrenceId))).toEqual(['first', 'province-priority', 'commune-priority', 'province-normal']);
      expect(h.events.some((e) => e.state === 'interrupted')).toBe(false);
    } finally {
      await h.close();
    }
  });

  it("a province alert by broadcast cuts into the commune's emergency from the plan; a commune alert does not cut into the province's", async () => {
    const h = await startHarness({ zones: [{ zone: 'z1', volume: 100 }], files: [long3s, short1s] });
    const self = { edgeId: 'edg_radio01', hamletCode: 'thon-1' };
    try {
      const [commune] = (await h.loadReady([planItem(long3s, 0, { priority: 'emergency' })])) as [PlanItem];
      const startAt = commune.startAt + 1000;
      const alert = (alertId: string, issuer: Issuer | undefined, file: AudioFile, at: number): AlertMessage => ({
        action: 'start', alertId, version: 1, title: alertId, priority: 'emergency', ...(issuer ? { issuer } : {}),
        source: { kind: 'asset', asset: file.asset }, startAt: at, repeatEveryMs: null, expiresAt: at + 3600_000, volume: 100,
        targets: { all: false, hamlets: ['thon-1'], edges: [] },
      });
      h.player.handleAlert(alert('alr_province', 'province', short1s, startAt), self);
      const provinceId = alertOccurrenceId('alr_province', 0);
      await h.waitFor((e) => e.occurrenceId === provinceId && e.state === 'completed');
      await h.waitFor((e) => e.occurrenceId === commune.occurrenceId && e.state === 'completed');
      expect(h.events.map((e) => `${e.occurrenceId === provinceId ? 'province' : 'commune'}:${e.state}`)).toEqual([
        'commune:started', 'commune:interrupted', 'province:started', 'province:completed', 'commune:resumed', 'commune:completed',
      ]);

      // now the other way round: a province alert plays; a commune alert due meanwhile waits for it
      h.events.length = 0;
      const at = Date.now() + 1500;
      h.player.handleAlert(alert('alr_province2', 'province', long3s, at), self);
      h.player.handleAlert(alert('alr_commune', undefined, short1s, at + 1000), self);
      const p2 = alertOccurrenceId('alr_province2', 0);
      const c = alertOccurrenceId('alr_commune', 0);
      await h.waitFor((e) => e.occurrenceId === c && e.state === 'completed');
      expect(h.events.map((e) => `${e.occurrenceId === p2 ? 'province' : 'commune'}:${e.state}`)).toEqual(['province:started', 'province:completed', 'commune:started', 'commune:completed']);
    } finally {
      await h.close();
    }
  });
});
