/**
 * Station relays (tiếp sóng) on the live path: a real Icecast station (Debian's icecast2 on
 * 127.0.0.1, fed by ffmpeg with a known noise-like signal, looped) relayed by the cloud to the nine
 * hamlets, each box playing the relay session in step on its simulated loudspeaker. Per relay: the
 * spread across hamlets of the instant the same piece of the station reached each loudspeaker (one
 * 400 ms piece a second, found by cross-correlation in every loudspeaker's recording: a box that
 * joined late starts elsewhere in the stream but must still play each piece when the others do),
 * how much of the window was the station rather than silence, and, for a scheduled window, how late
 * it opened and closed against its times.
 *
 * `relaySection(commune)` is what scripts/bench/live runs after the voice; run alone
 * (scripts/bench/live-relay) it starts its own commune and ends with one line `RESULT {json}`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { locate, RATE, signalPcm, wavBytes } from '../../test-support/live-audio.js';
import { startIcecast } from '../../cloud/src/radio/testing/station-servers.js';
import { localTime, numberArg, quantile, startBenchCommune, waitUntil, type BenchCommune, type BenchHamlet } from './lib/commune.js';

interface Recording {
  hamlet: string;
  /** Wall-clock ms of the first packet: sample i was heard at firstPacketAt + i / 48. */
  firstPacketAt: number;
  /**
   * The loudspeaker's timeline: the earliest over its packets of (arrival − audio before it), so the
   * speakers' own process noticing a packet late (nine speakers share it, on a loaded machine) does
   * not shift a whole recording, as firstPacketAt alone does (firmware-sim/src/e2e/live.test.ts measures so).
   */
  originAt: number;
  pcm: Buffer;
}

/** Which timeline sample 0 of a recording is placed on. */
type Timeline = 'originAt' | 'firstPacketAt';

/** The longest item a hamlet's loudspeaker received since `before` (the relay), as PCM. */
async function relayRecording(c: BenchCommune, h: BenchHamlet, before: number): Promise<Recording | null> {
  const items = (await c.speakerStatus(h)).items.slice(before).filter((i) => i.firstSampleAt !== null && i.durationMs > 1000);
  const item = items.sort((a, b) => b.durationMs - a.durationMs)[0];
  if (!item) return null;
  const res = await fetch(h.statusUrl.replace(/\/status$/, `/items/${item.index}/pcm`));
  if (!res.ok) throw new Error(`${h.hamletCode}: recording ${item.index}: HTTP ${res.status}`);
  const firstPacketAt = Number(res.headers.get('x-first-packet-at'));
  const originAt = Number(res.headers.get('x-origin-at') ?? firstPacketAt);
  return { hamlet: h.hamletCode, firstPacketAt, originAt, pcm: Buffer.from(await res.arrayBuffer()) };
}

const firstSound = (pcm: Buffer) => {
  for (let i = 0; i + 1 < pcm.length; i += 2) if (Math.abs(pcm.readInt16LE(i)) > 64) return i / 2;
  return -1;
};

/**
 * Each second of the reference hamlet's recording, a 400 ms piece is looked for in every other
 * hamlet's recording around the same wall-clock time (±0.5 s): the spread of the instants it was
 * heard, per piece. Pieces a hamlet does not have (score < 0.5) are counted as missing.
 */
function spreadsOf(recs: Recording[], timeline: Timeline): { spreads: number[]; missing: number; offsets: number[] } {
  const ref = recs[0]!;
  let offsets: number[] = [];
  const start = firstSound(ref.pcm);
  const piece = (RATE * 400) / 1000;
  const spreads: number[] = [];
  let missing = 0;
  for (let at = start + RATE; at + piece + RATE <= ref.pcm.length / 2; at += RATE) {
    const chunk = ref.pcm.subarray(at * 2, (at + piece) * 2);
    const heardAt = ref[timeline] + (at / RATE) * 1000;
    const times = [heardAt];
    for (const rec of recs.slice(1)) {
      const expected = Math.round(((heardAt - rec[timeline]) / 1000) * RATE);
      const from = Math.max(0, expected - RATE / 2);
      const region = rec.pcm.subarray(from * 2, Math.min(rec.pcm.length, (from + RATE + piece) * 2));
      if (region.length < chunk.length) {
        missing++;
        continue;
      }
      const m = locate(region, chunk);
      if (m.score < 0.5) missing++;
      else times.push(rec[timeline] + ((from + m.offsetSamples) / RATE) * 1000);
    }
    if (times.length > 1) spreads.push(Math.max(...times) - Math.min(...times));
    // each hamlet's offset from the reference for the first piece (which box is off, and by how much)
    if (at === start + RATE && times.length === recs.length) offsets = times.map((t) => t - heardAt);
  }
  return { spreads, missing, offsets };
}

interface Relay {
  id: string;
  startedAt: number;
  endsAt: number | null;
  endedAt: number | null;
  playedMs: number;
  silenceMs: number;
  reconnects: number;
  hamletCodes: string[];
  sessionId: string;
}

export interface RelayBenchOptions {
  /** Relays played one after the other (the first as a scheduled window, the others "relay now"). */
  runs: number;
  /** Length of each relay, s. */
  seconds: number;
  log?: (line: string) => void;
}

/** Runs the relays and returns their figures, each named relay_*. */
export async function relaySection(c: BenchCommune, options: RelayBenchOptions): Promise<Record<string, number>> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-relay-'));
  const wav = join(dir, 'station.wav');
  writeFileSync(wav, wavBytes(signalPcm(30_000, 13)));
  const icecast = await startIcecast();
  const feeder = await icecast.feed('bench.mp3', { file: wav });
  const spreads: number[] = [];
  const originSpreads: number[] = [];
  const heardCounts: number[] = [];
  const startDelays: number[] = [];
  let missingPieces = 0;
  let played = 0;
  let total = 0;
  let reconnects = 0;
  let windowLateMs = NaN;
  let windowEndLateMs = NaN;
  try {
    const station = await c.cloud.request<{ id: string }>('POST', '/api/v1/stations', { name: 'Bench: đài tỉnh', url: icecast.url('bench.mp3') });
    for (let run = 0; run < options.runs; run++) {
      const before = await Promise.all(c.hamlets.map(async (h) => (await c.speakerStatus(h)).items.length));
      let relay: Relay;
      if (run === 0) {
        // a scheduled window, expanded and opened by the cloud itself
        const startAt = Math.ceil((Date.now() + 4000) / 1000) * 1000;
        const schedule = await c.cloud.request<{ id: string }>('POST', '/api/v1/schedules', {
          title: 'Bench: tiếp sóng theo lịch',
          source: { kind: 'station', stationId: station.id, durationS: options.seconds },
          startsLocal: localTime(startAt),
          targets: { all: true },
        });
        let found: Relay | undefined;
        await waitUntil(async () => {
          found = (await c.cloud.request<{ relays: (Relay & { scheduleId: string | null })[] }>('GET', '/api/v1/relays')).relays.find((r) => r.scheduleId === schedule.id);
          return found !== undefined;
        }, 20_000, 'the scheduled relay window to open');
        relay = found!;
        windowLateMs = relay.startedAt - startAt;
      } else {
        relay = await c.cloud.request<Relay>('POST', '/api/v1/relays', { stationId: station.id, title: `Bench: tiếp sóng ngay ${run}`, targets: { all: true }, durationS: options.seconds });
      }
      const session = await c.cloud.request<{ epoch: number; startedAt: number }>('GET', `/api/v1/radio/live/${relay.sessionId}`);
      await waitUntil(async () => (await c.cloud.request<Relay>('GET', `/api/v1/relays/${relay.id}`)).endedAt !== null, (options.seconds + 20) * 1000, 'the relay to end');
      const ended = await c.cloud.request<Relay>('GET', `/api/v1/relays/${relay.id}`);
      if (run === 0 && ended.endsAt !== null && ended.endedAt !== null) windowEndLateMs = ended.endedAt - ended.endsAt;
      // the loudspeakers play until the playout latency has passed after the end
      await new Promise((r) => setTimeout(r, session.epoch - session.startedAt + 1500));
      const recs = (await Promise.all(c.hamlets.map((h, k) => relayRecording(c, h, before[k]!)))).filter((r): r is Recording => r !== null);
      const none = { spreads: [], missing: 0, offsets: [] };
      const measured = recs.length > 1 ? spreadsOf(recs, 'firstPacketAt') : none;
      const byOrigin = recs.length > 1 ? spreadsOf(recs, 'originAt') : none;
      spreads.push(...measured.spreads);
      originSpreads.push(...byOrigin.spreads);
      missingPieces += measured.missing;
      heardCounts.push(recs.length);
      const firsts = recs.map((r) => r.firstPacketAt + (firstSound(r.pcm) / RATE) * 1000);
      startDelays.push(...firsts.map((t) => t - session.epoch));
      played += ended.playedMs;
      total += ended.playedMs + ended.silenceMs;
      reconnects += ended.reconnects;
      if (process.env.BENCH_RELAY_DEBUG) {
        // per hamlet: when its box started the relay against the epoch (proof of play), and its offset
        // from the first hamlet on each timeline (first packet; the loudspeaker's own, originAt)
        const detail = await c.cloud
          .request<{ hamlets: { hamletCode: string; firstStartedAt: number | null }[] }>('GET', `/api/v1/radio/live/${relay.sessionId}`)
          .catch(() => ({ hamlets: [] })); // debug only: a kept-alive socket the cloud just closed is not worth failing the run
        const startOf = new Map(detail.hamlets.map((x) => [x.hamletCode, x.firstStartedAt]));
        log(recs.map((r, k) => `${r.hamlet}: start ${startOf.get(r.hamlet) == null ? '?' : startOf.get(r.hamlet)! - session.epoch} ms, first packet ${measured.offsets[k]?.toFixed(1)} ms, origin ${byOrigin.offsets[k]?.toFixed(1)} ms`).join('; '));
      }
      log(
        `relay ${run + 1}/${options.runs} (${run === 0 ? 'scheduled window' : 'relay now'}): heard in ${recs.length}/${c.hamlets.length} hamlets, ` +
          `spread of each second across them p50 ${quantile(measured.spreads, 0.5).toFixed(1)} ms, max ${Math.max(...measured.spreads).toFixed(1)} ms over ${measured.spreads.length} seconds (${measured.missing} pieces not found), ` +
          `on the loudspeakers' own timelines p50 ${quantile(byOrigin.spreads, 0.5).toFixed(1)} ms, max ${Math.max(...byOrigin.spreads).toFixed(1)} ms, ` +
          `first sound ${Math.round(quantile(firsts, 0.5) - session.epoch)} ms after the epoch (median), ` +
          `station ${(ended.playedMs / 1000).toFixed(1)} s, silence ${(ended.silenceMs / 1000).toFixed(1)} s, reconnects ${ended.reconnects}` +
          (run === 0 ? `, window opened ${windowLateMs} ms and closed ${windowEndLateMs} ms after its times` : ''),
      );
    }
  } finally {
    await feeder.stop();
    await icecast.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    relay_hamlets: Math.min(...heardCounts),
    relay_spread_p99_ms: Math.round(quantile(spreads, 0.99) * 10) / 10,
    relay_spread_max_ms: Math.round(Math.max(...spreads) * 10) / 10,
    relay_spread_origin_p99_ms: Math.round(quantile(originSpreads, 0.99) * 10) / 10,
    relay_first_sound_p50_ms: Math.round(quantile(startDelays, 0.5)),
    relay_station_pct: Math.round((played / Math.max(1, total)) * 1000) / 10,
    relay_reconnects: reconnects,
    relay_missing_pieces: missingPieces,
    relay_window_open_late_ms: windowLateMs,
    relay_window_close_late_ms: windowEndLateMs,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = numberArg('runs', 'BENCH_RELAY_RUNS', 3);
  const seconds = numberArg('seconds', 'BENCH_RELAY_SECONDS', 10);
  // SC_RELAY_PLAYOUT_MS=… (SC_LIVE_PLAYOUT_MS=… before relays had their own): the cloud's playout
  // latency for this run's relays (how long the boxes have to get ready before the epoch)
  const cloudEnv = Object.fromEntries(['SC_RELAY_PLAYOUT_MS', 'SC_LIVE_PLAYOUT_MS'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  const commune = await startBenchCommune({ cloudEnv });
  try {
    const figures = await relaySection(commune, { runs, seconds });
    console.log(`RESULT ${JSON.stringify(figures)}`);
  } finally {
    await commune.stop();
  }
}
