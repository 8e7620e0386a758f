import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RtpSender } from '../../../edge/src/radio/drivers/rtp.js';
import { startHamletSpeakers } from './launcher.js';
import { startSimSpeaker, type SimSpeaker, type SimSpeakerStatus } from './sim-speaker.js';

const FRAME = 960;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** n frames of a ramp, each sample non-zero. */
function audio(frames: number, seed = 1): Buffer {
  const b = Buffer.alloc(frames * FRAME);
  for (let i = 0; i < b.length; i += 2) b.writeInt16LE(((i * seed) % 2000) + 100, i);
  return b;
}

async function sendPaced(sender: RtpSender, pcm: Buffer): Promise<void> {
  const start = performance.now();
  for (let n = 0; n * FRAME < pcm.length; n++) {
    while (performance.now() < start + n * 10) await sleep(1);
    sender.send(pcm.subarray(n * FRAME, (n + 1) * FRAME));
  }
}

async function statusOf(speaker: SimSpeaker, expectItems: number): Promise<SimSpeakerStatus> {
  await sleep(50); // the last packets on their way
  for (let i = 0; i < 100; i++) {
    const s = (await (await fetch(speaker.statusUrl)).json()) as SimSpeakerStatus;
    if (s.items.length >= expectItems) return s;
    await sleep(20);
  }
  return (await (await fetch(speaker.statusUrl)).json()) as SimSpeakerStatus;
}

describe('simulated IP speaker', () => {
  let speaker: SimSpeaker;
  let sender: RtpSender;
  beforeAll(async () => {
    speaker = await startSimSpeaker({ host: '127.0.0.1' });
    sender = new RtpSender('127.0.0.1', speaker.rtpPort);
  });
  afterAll(async () => {
    await sender.close();
    await speaker.close();
  });
  beforeEach(async () => {
    await fetch(speaker.statusUrl.replace('/status', '/items'), { method: 'DELETE' });
    speaker.setFaults({ offline: false, muted: false });
  });

  it('splits items on the marker bit, a new SSRC and a gap, and records what it heard', async () => {
    const first = audio(20, 3);
    // the first packet starts with 5 ms of silence: firstSampleAt is 5 ms after its arrival
    first.fill(0, 0, 480);
    sender.beginTalkspurt();
    await sendPaced(sender, first);
    sender.beginTalkspurt(); // marker, no gap
    await sendPaced(sender, audio(10, 5));
    await sleep(700); // gap without a marker
    sender.send(audio(1, 7));
    const other = new RtpSender('127.0.0.1', speaker.rtpPort); // another SSRC, no marker
    other.send(audio(1, 9));
    await other.close();

    const s = await statusOf(speaker, 4);
    expect(s.online).toBe(true);
    expect(s.items.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    const [a, b] = s.items;
    expect(a!.firstSampleAt! - a!.firstPacketAt).toBeCloseTo(5, 1);
    expect(a!.sha256).toBe(createHash('sha256').update(first.subarray(480)).digest('hex'));
    expect(a!.durationMs).toBe(195);
    expect(a!.energyFingerprint).toHaveLength(2);
    expect(a!.packets).toBe(20);
    expect(a!.lost).toBe(0);
    expect(b!.firstPacketAt).toBeGreaterThanOrEqual(a!.firstPacketAt);
    expect(b!.durationMs).toBe(100);
    expect(s.items[3]!.ssrc).not.toBe(s.items[2]!.ssrc);
    expect(s.overlaps).toBe(0);
    expect(s.overruns).toBe(0);
  });

  it('records a timestamp jump inside an item (a sender that stalled and skipped that time) as silence, so sample i stays at originAt + i/48', async () => {
    const before = audio(5, 3);
    const after = audio(5, 5);
    sender.beginTalkspurt();
    await sendPaced(sender, before);
    await sleep(100); // the sender stalls 100 ms...
    sender.skip(4800); // ...and its media clock moves on with it
    await sendPaced(sender, after);
    const s = await statusOf(speaker, 1);
    expect(s.items).toHaveLength(1);
    expect(s.items[0]!.packets).toBe(10);
    const rec = speaker.recording(s.items[0]!.index)!;
    expect(rec.pcm.equals(Buffer.concat([before, Buffer.alloc(9600), after]))).toBe(true);
  });

  it('muted: receives but records silence; offline: drops packets and answers 503', async () => {
    await fetch(speaker.statusUrl.replace('/status', '/faults'), { method: 'POST', body: JSON.stringify({ muted: true }) });
    sender.beginTalkspurt();
    await sendPaced(sender, audio(5));
    let s = await statusOf(speaker, 1);
    expect(s.muted).toBe(true);
    expect(s.items[0]!.packets).toBe(5);
    expect(s.items[0]!.firstSampleAt).toBeNull();
    expect(s.items[0]!.sha256).toBe(createHash('sha256').update('').digest('hex'));

    await fetch(speaker.statusUrl.replace('/status', '/faults'), { method: 'POST', body: JSON.stringify({ muted: false, offline: true }) });
    expect((await fetch(speaker.statusUrl)).status).toBe(503);
    sender.beginTalkspurt();
    await sendPaced(sender, audio(5));
    await sleep(50);
    speaker.setFaults({ offline: false });
    s = await statusOf(speaker, 1);
    expect(s.items).toHaveLength(1); // nothing recorded while offline

    const cleared = await fetch(speaker.statusUrl.replace('/status', '/items'), { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(speaker.status().items).toHaveLength(0);
  });

  it('flags two streams at once and audio faster than real time', async () => {
    const other = new RtpSender('127.0.0.1', speaker.rtpPort);
    sender.beginTalkspurt();
    other.beginTalkspurt();
    for (let i = 0; i < 6; i++) {
      sender.send(audio(1, 3));
      other.send(audio(1, 5));
      await sleep(10);
    }
    await other.close();
    expect(speaker.status().overlaps).toBeGreaterThan(0);

    speaker.clearItems();
    sender.beginTalkspurt();
    for (let i = 0; i < 100; i++) sender.send(audio(1)); // 1 s of audio at once
    await sleep(50);
    expect(speaker.status().overruns).toBe(1);
  });
});

describe('hamlet speakers launcher', () => {
  it('starts N speakers on free ports with ready-made speaker configs', async () => {
    const hamlet = await startHamletSpeakers({ hamlet: 'thon-1', count: 3 });
    try {
      const ports = hamlet.speakers.flatMap((s) => [s.rtpPort, s.httpPort]);
      expect(new Set(ports).size).toBe(6);
      expect(hamlet.configs.map((c) => c.zone)).toEqual(['zone-1', 'zone-2', 'zone-3']);
      expect(hamlet.configs[1]).toEqual({ zone: 'zone-2', driver: 'sim', target: `127.0.0.1:${hamlet.speakers[1]!.rtpPort}`, volume: 100, statusUrl: hamlet.speakers[1]!.statusUrl });
      for (const c of hamlet.configs) expect((await fetch(c.statusUrl)).status).toBe(200);
    } finally {
      await hamlet.close();
    }
  });
});
