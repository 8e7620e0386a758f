import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimSpeaker, type SimSpeaker } from '../../../../firmware-sim/src/speakers/sim-speaker.js';
import { decodeFile } from '../decode.js';
import { FRAME_BYTES, trimmedPcmSha256 } from '../pcm.js';
import { makeAudio, tempDir } from '../testing/fixtures.js';
import { RtpDriver, RtpSender, rtpSdp } from './rtp.js';
import { SimDriver } from './sim.js';

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Sends frames paced every 10 ms from a start instant (what the player does). */
async function sendPaced(send: (frame: Buffer) => void, pcm: Buffer): Promise<void> {
  const start = performance.now();
  for (let n = 0; n * FRAME_BYTES < pcm.length; n++) {
    const due = start + n * 10;
    while (performance.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now() - 1)));
    send(pcm.subarray(n * FRAME_BYTES, (n + 1) * FRAME_BYTES));
  }
}

describe('RTP sender', () => {
  it('sends RFC 3550 packets of L16 big-endian with a marker and a timestamp jump per item', async () => {
    const rx = createSocket('udp4');
    const packets: Buffer[] = [];
    rx.on('message', (m) => packets.push(m));
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
    const sender = new RtpSender('127.0.0.1', rx.address().port);
    const frame = Buffer.alloc(FRAME_BYTES);
    for (let i = 0; i < FRAME_BYTES; i += 2) frame.writeInt16LE(i - 500, i);
    sender.beginTalkspurt();
    for (let i = 0; i < 3; i++) sender.send(frame);
    await new Promise((r) => setTimeout(r, 100)); // a pause between two items
    sender.beginTalkspurt();
    for (let i = 0; i < 2; i++) sender.send(frame.subarray(0, i === 1 ? 100 : FRAME_BYTES));
    for (let i = 0; i < 50 && packets.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    rx.close();
    await sender.close();

    expect(packets).toHaveLength(5);
    const h = packets.map((p) => ({ v: p[0]! >> 6, cc: p[0]! & 15, m: p[1]! >> 7, pt: p[1]! & 127, seq: p.readUInt16BE(2), ts: p.readUInt32BE(4), ssrc: p.readUInt32BE(8), len: p.length - 12 }));
    expect(h.every((x) => x.v === 2 && x.cc === 0 && x.pt === 96 && x.ssrc === sender.ssrc)).toBe(true);
    expect(h.map((x) => x.m)).toEqual([1, 0, 0, 1, 0]);
    expect(h.map((x) => x.len)).toEqual([960, 960, 960, 960, 100]);
    for (let i = 1; i < 5; i++) expect(h[i]!.seq).toBe((h[0]!.seq + i) & 0xffff);
    expect((h[1]!.ts - h[0]!.ts) >>> 0).toBe(480);
    expect((h[2]!.ts - h[1]!.ts) >>> 0).toBe(480);
    // the second item's timestamp follows the media clock: ≥ 100 ms (4800 samples) after the first item's start
    expect((h[3]!.ts - h[0]!.ts) >>> 0).toBeGreaterThanOrEqual(4800);
    // payload is big-endian
    expect(packets[0]!.readInt16BE(12)).toBe(frame.readInt16LE(0));
    expect(packets[0]!.readInt16BE(12 + 200)).toBe(frame.readInt16LE(200));
  });

  it('writes an SDP that ffmpeg plays: the PCM it receives is the PCM sent', async () => {
    const t = tempDir();
    const clip = makeAudio(t.dir, 'clip', { seconds: 1, format: 'opus' });
    const pcm = await decodeFile(clip.path);
    const port = await freeUdpPort();
    const driver = new RtpDriver({ zone: 'z1', driver: 'rtp', target: `127.0.0.1:${port}`, volume: 100 }, { sdpDir: t.dir });
    await driver.open();
    const sdp = readFileSync(driver.sdpPath!, 'utf8');
    expect(sdp).toBe(rtpSdp({ host: '127.0.0.1', port, name: 'Smart Commune zone z1' }).replace(/o=- \d+ \d+/, /o=- \d+ \d+/.exec(sdp)![0]));
    expect(sdp).toContain('a=rtpmap:96 L16/48000/1');

    const ffmpeg = spawn('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-analyzeduration', '100000', '-i', driver.sdpPath!, '-f', 's16le', '-flush_packets', '1', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const received: Buffer[] = [];
    ffmpeg.stdout.on('data', (d: Buffer) => received.push(d));
    // silence until ffmpeg is listening and decoding, then the clip, then silence again
    const silence = Buffer.alloc(FRAME_BYTES);
    driver.beginItem();
    for (let i = 0; i < 1000 && received.length === 0; i++) {
      driver.write(silence);
      await new Promise((r) => setTimeout(r, 10));
    }
    await sendPaced((f) => driver.write(f), pcm);
    await sendPaced((f) => driver.write(f), Buffer.alloc(FRAME_BYTES * 30));
    driver.endItem();
    // every packet is written at once (-flush_packets): wait until the output stops growing
    let size = -1;
    while (size !== received.length) {
      size = received.length;
      await new Promise((r) => setTimeout(r, 200));
    }
    ffmpeg.kill('SIGKILL'); // on SIGTERM ffmpeg lingers ~10 s in its UDP read
    await new Promise((r) => ffmpeg.once('close', r));
    await driver.close();
    expect(trimmedPcmSha256(Buffer.concat(received))).toBe(trimmedPcmSha256(pcm));
    t.remove();
  });
});

describe('sim driver health', () => {
  let speaker: SimSpeaker;
  beforeAll(async () => {
    speaker = await startSimSpeaker();
  });
  afterAll(async () => speaker.close());

  it('follows the speaker: ok, muted, offline, unreachable', async () => {
    const driver = new SimDriver({ zone: 'z1', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }, { healthIntervalMs: 60_000 });
    await driver.open();
    expect((await driver.checkHealth()).state).toBe('ok');
    await fetch(speaker.statusUrl.replace('/status', '/faults'), { method: 'POST', body: JSON.stringify({ muted: true }) });
    expect((await driver.checkHealth()).state).toBe('muted');
    await fetch(speaker.statusUrl.replace('/status', '/faults'), { method: 'POST', body: JSON.stringify({ muted: false, offline: true }) });
    const offline = await driver.checkHealth();
    expect(offline.state).toBe('offline');
    expect(offline.reason).toMatch(/503/);
    expect(driver.health()).toEqual(offline);
    speaker.setFaults({ offline: false });
    expect((await driver.checkHealth()).state).toBe('ok');
    await driver.close();

    const gone = new SimDriver({ zone: 'z1', driver: 'sim', target: '127.0.0.1:9', volume: 100, statusUrl: 'http://127.0.0.1:9/status' }, { healthIntervalMs: 60_000 });
    await gone.open();
    expect((await gone.checkHealth()).state).toBe('offline');
    await gone.close();
  });
});
