import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What the speaker plays: L16 (big-endian on the wire), 48 kHz, mono. */
const SAMPLE_RATE = 48_000;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

export interface SimSpeakerOptions {
  /** UDP port for RTP; 0 (default) picks a free one. */
  rtpPort?: number;
  /** HTTP port for /status, /faults, /items; 0 (default) picks a free one. */
  httpPort?: number;
  host?: string;
  /** A gap longer than this between packets starts a new item. */
  gapMs?: number;
  /** Items kept (oldest dropped): the speaker is a test instrument, not a recorder. */
  maxItems?: number;
}

export interface SimSpeakerFaults {
  /** Drops every packet and answers /status with 503. */
  offline: boolean;
  /** Receives but records silence. */
  muted: boolean;
}

/** One item as heard: delimited by an SSRC change, a marker bit or a gap. */
export interface SimSpeakerItem {
  index: number;
  ssrc: number;
  /** Wall-clock ms (sub-ms precision) the first packet arrived. */
  firstPacketAt: number;
  /**
   * Wall-clock ms the first non-silent sample arrived: the arrival of its packet plus the sample's
   * offset inside the packet. Null when the item was all silence.
   */
  firstSampleAt: number | null;
  /** Length of the audio from the first to the last non-silent sample, in ms. */
  durationMs: number;
  /** sha256 of the received PCM (s16le) from the first to the last non-silent sample; sha256("") when silent. */
  sha256: string;
  /** RMS per 100 ms from the first non-silent sample, rounded. */
  energyFingerprint: number[];
  packets: number;
  /** Packets missing by sequence number. */
  lost: number;
}

export interface SimSpeakerStatus {
  online: boolean;
  muted: boolean;
  /** Packets that arrived from an SSRC other than the playing one while that one was active: two streams at once. */
  overlaps: number;
  /**
   * Items whose audio arrived more than 500 ms ahead of real time (two streams interleaved on one
   * SSRC, or a sender that does not pace).
   */
  overruns: number;
  items: SimSpeakerItem[];
}

export interface SimSpeaker {
  host: string;
  rtpPort: number;
  httpPort: number;
  /** `host:port` for the edge's speaker target. */
  target: string;
  statusUrl: string;
  status(): SimSpeakerStatus;
  /**
   * An item's received PCM (s16le, silence included) and when its sample 0 was heard: sample i at
   * `originAt + i / 48` ms. `originAt` is the earliest over the packets of (arrival − the audio
   * received before it): a packet this speaker's own process noticed late (a busy event loop) does
   * not shift the timeline, as `firstPacketAt` alone would. For measuring where a known signal
   * landed (cross-correlation); null for an unknown index.
   */
  recording(index: number): { firstPacketAt: number; originAt: number; pcm: Buffer } | null;
  setFaults(faults: Partial<SimSpeakerFaults>): void;
  clearItems(): void;
  close(): Promise<void>;
}

interface Recording {
  index: number;
  ssrc: number;
  firstPacketAt: number;
  lastArrival: number;
  /** min over packets of (arrival − audio before it, ms): when sample 0 was heard. */
  originAt: number;
  lastSeq: number;
  /** RTP timestamp the next packet continues from (the last one's plus its samples); null before the first. */
  nextTs: number | null;
  chunks: Buffer[];
  /** Wall-clock ms each chunk (packet) arrived, parallel to `chunks`: where a sender burst, sample i is not at firstPacketAt + i/48. */
  arrivals: number[];
  bytes: number;
  firstSampleAt: number | null;
  packets: number;
  lost: number;
  summary: SimSpeakerItem | null;
  overrun: boolean;
}

function firstNonZero(pcmLE: Buffer): number {
  for (let i = 0; i + 1 < pcmLE.length; i += 2) if (pcmLE.readInt16LE(i) !== 0) return i;
  return -1;
}

function summarize(r: Recording): SimSpeakerItem {
  const pcm = Buffer.concat(r.chunks);
  const start = firstNonZero(pcm);
  let end = start;
  if (start >= 0) for (let i = pcm.length - 2; i >= start; i -= 2) if (pcm.readInt16LE(i) !== 0) { end = i + 2; break; }
  const audible = start >= 0 ? pcm.subarray(start, end) : Buffer.alloc(0);
  const fingerprint: number[] = [];
  const window = 100 * SAMPLES_PER_MS * 2;
  for (let off = 0; off < audible.length; off += window) {
    const slice = audible.subarray(off, Math.min(off + window, audible.length));
    let sum = 0;
    for (let i = 0; i + 1 < slice.length; i += 2) sum += slice.readInt16LE(i) ** 2;
    fingerprint.push(Math.round(Math.sqrt(sum / Math.max(1, slice.length / 2))));
  }
  return {
    index: r.index,
    ssrc: r.ssrc,
    firstPacketAt: round2(r.firstPacketAt),
    firstSampleAt: r.firstSampleAt === null ? null : round2(r.firstSampleAt),
    durationMs: round2(audible.length / 2 / SAMPLES_PER_MS),
    sha256: createHash('sha256').update(audible).digest('hex'),
    energyFingerprint: fingerprint,
    packets: r.packets,
    lost: r.lost,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
/**
 * Wall-clock ms with sub-ms precision: the monotonic clock anchored to Date.now() at one of its
 * ticks, re-anchored every 5 s so it follows the system clock (as the edges' clocks do) over long runs.
 */
let anchor: { wall: number; hr: number; until: number } | null = null;
function wallNow(): number {
  const hr = performance.now();
  if (!anchor || hr > anchor.until) {
    const first = Date.now();
    let wall = first;
    let at = performance.now();
    const budget = at + 2;
    while (wall === first && at < budget) {
      at = performance.now();
      wall = Date.now();
    }
    anchor = { wall, hr: at, until: at + 5000 };
  }
  return anchor.wall + (hr - anchor.hr);
}

/** A simulated IP loudspeaker: plays (records) the RTP L16 it receives and answers for its health on HTTP. */
export async function startSimSpeaker(options: SimSpeakerOptions = {}): Promise<SimSpeaker> {
  const host = options.host ?? '127.0.0.1';
  const gapMs = options.gapMs ?? 500;
  const maxItems = options.maxItems ?? 200;
  const faults: SimSpeakerFaults = { offline: false, muted: false };
  const items: Recording[] = [];
  const lastSeenBySsrc = new Map<number, number>();
  let nextIndex = 0;
  let overlaps = 0;
  let overruns = 0;

  const onPacket = (msg: Buffer, _rinfo: RemoteInfo) => {
    const arrival = wallNow();
    if (faults.offline || msg.length < 12 || msg[0]! >> 6 !== 2) return;
    const cc = msg[0]! & 0x0f;
    const hasExtension = (msg[0]! & 0x10) !== 0;
    const hasPadding = (msg[0]! & 0x20) !== 0;
    const marker = (msg[1]! & 0x80) !== 0;
    const seq = msg.readUInt16BE(2);
    const ts = msg.readUInt32BE(4);
    const ssrc = msg.readUInt32BE(8);
    let offset = 12 + cc * 4;
    if (hasExtension && msg.length >= offset + 4) offset += 4 + msg.readUInt16BE(offset + 2) * 4;
    let end = msg.length;
    if (hasPadding) end -= msg[msg.length - 1]!;
    if (end <= offset) return;
    const pcm = Buffer.from(msg.subarray(offset, end - ((end - offset) % 2)));
    pcm.swap16(); // network byte order → s16le
    if (faults.muted) pcm.fill(0);

    let current = items[items.length - 1];
    if (current && ssrc !== current.ssrc && arrival - (lastSeenBySsrc.get(current.ssrc) ?? -Infinity) <= gapMs && (lastSeenBySsrc.get(ssrc) ?? -Infinity) >= arrival - gapMs) {
      overlaps++; // both streams active within the gap: two items at once
    }
    lastSeenBySsrc.set(ssrc, arrival);
    if (!current || ssrc !== current.ssrc || marker || arrival - current.lastArrival > gapMs) {
      current = { index: nextIndex++, ssrc, firstPacketAt: arrival, lastArrival: arrival, originAt: arrival, lastSeq: (seq - 1) & 0xffff, nextTs: null, chunks: [], arrivals: [], bytes: 0, firstSampleAt: null, packets: 0, lost: 0, summary: null, overrun: false };
      items.push(current);
      if (items.length > maxItems) items.shift();
    }
    const expected = (current.lastSeq + 1) & 0xffff;
    if (seq !== expected) current.lost += (seq - expected) & 0xffff;
    current.lastSeq = seq;
    current.lastArrival = arrival;
    current.packets++;
    if (current.firstSampleAt === null) {
      const at = firstNonZero(pcm);
      if (at >= 0) current.firstSampleAt = arrival + at / 2 / SAMPLES_PER_MS;
    }
    // a timestamp that jumps ahead within an item (the sender stalled and skipped that time, or
    // packets were lost) is silence heard meanwhile: kept, so sample i of the recording stays at
    // originAt + i/48 as a receiver playing by timestamp would play it (bounded by the gap that
    // would start a new item)
    const jump = current.nextTs === null ? 0 : (ts - current.nextTs) >>> 0;
    if (jump > 0 && jump <= gapMs * SAMPLES_PER_MS) {
      current.chunks.push(Buffer.alloc(jump * 2));
      current.arrivals.push(round2(arrival));
      current.bytes += jump * 2;
    }
    current.nextTs = (ts + pcm.length / 2) >>> 0;
    current.originAt = Math.min(current.originAt, arrival - current.bytes / 2 / SAMPLES_PER_MS);
    current.chunks.push(pcm);
    current.arrivals.push(round2(arrival));
    current.bytes += pcm.length;
    if (!current.overrun && current.bytes / 2 / SAMPLES_PER_MS - (arrival - current.firstPacketAt) > 500) {
      current.overrun = true;
      overruns++;
    }
    current.summary = null;
  };

  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', onPacket);
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(options.rtpPort ?? 0, host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  udp.on('error', () => {});

  const status = (): SimSpeakerStatus => ({
    online: !faults.offline,
    muted: faults.muted,
    overlaps,
    overruns,
    items: items.map((r) => (r.summary ??= summarize(r))),
  });

  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.statusCode = code;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && url === '/status') {
      if (faults.offline) return send(res, 503, { online: false });
      return send(res, 200, status());
    }
    if (req.method === 'POST' && url === '/faults') {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        try {
          const body = JSON.parse(raw || '{}') as Partial<SimSpeakerFaults>;
          api.setFaults(body);
          send(res, 200, { ...faults });
        } catch {
          send(res, 400, { error: 'body must be JSON {offline?, muted?}' });
        }
      });
      return;
    }
    // an item's received PCM (s16le 48 kHz mono, silence included) for measuring where a known signal
    // landed (scripts/bench/live): sample i was heard at X-First-Packet-At + i / 48 ms, or on the
    // timeline that does not count this process noticing a packet late, X-Origin-At + i / 48 ms
    const pcm = req.method === 'GET' ? /^\/items\/(\d+)\/pcm$/.exec(url ?? '') : null;
    if (pcm) {
      const item = items.find((r) => r.index === Number(pcm[1]));
      if (!item) return send(res, 404, { error: `no item ${pcm[1]}` });
      const body = Buffer.concat(item.chunks);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'x-first-packet-at': String(item.firstPacketAt), 'x-origin-at': String(item.originAt) });
      return res.end(body);
    }
    // when each packet of an item arrived: [first sample index in the item's PCM, wall-clock ms]
    const timing = req.method === 'GET' ? /^\/items\/(\d+)\/timing$/.exec(url ?? '') : null;
    if (timing) {
      const item = items.find((r) => r.index === Number(timing[1]));
      if (!item) return send(res, 404, { error: `no item ${timing[1]}` });
      let sample = 0;
      return send(res, 200, item.chunks.map((chunk, i) => {
        const at = [sample, item.arrivals[i]!];
        sample += chunk.length / 2;
        return at;
      }));
    }
    if (req.method === 'DELETE' && url === '/items') {
      api.clearItems();
      return send(res, 200, { cleared: true });
    }
    send(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => http.listen(options.httpPort ?? 0, host, resolve));

  const rtpPort = udp.address().port;
  const httpPort = (http.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const api: SimSpeaker = {
    host,
    rtpPort,
    httpPort,
    target: `${hostInUrl}:${rtpPort}`,
    statusUrl: `http://${hostInUrl}:${httpPort}/status`,
    status,
    recording(index) {
      const r = items.find((x) => x.index === index);
      return r ? { firstPacketAt: r.firstPacketAt, originAt: r.originAt, pcm: Buffer.concat(r.chunks) } : null;
    },
    setFaults(next) {
      if (typeof next.offline === 'boolean') faults.offline = next.offline;
      if (typeof next.muted === 'boolean') faults.muted = next.muted;
    },
    clearItems() {
      items.length = 0;
      overlaps = 0;
      overruns = 0;
      lastSeenBySsrc.clear();
    },
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return api;
}
