/**
 * Station relays (tiếp sóng) on the live path: a real Icecast station (Debian's icecast2 on
 * 127.0.0.1, fed by ffmpeg with a tone) relayed by the cloud to the nine hamlets, each box playing
 * the relay session in step on its simulated loudspeaker. Per relay: the spread across hamlets of
 * the instant the station's first sound reached each loudspeaker (the same sample of the stream
 * everywhere), how much of the window was the station rather than silence, and, for a scheduled
 * window, how late it opened and closed against its times.
 *
 * `relaySection(commune)` is what scripts/bench/live runs after the voice; run alone
 * (scripts/bench/live-relay) it starts its own commune and ends with one line `RESULT {json}`.
 */
import { pathToFileURL } from 'node:url';
import { startIcecast } from '../../cloud/src/radio/testing/station-servers.js';
import { localTime, numberArg, quantile, startBenchCommune, waitUntil, type BenchCommune } from './lib/commune.js';

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
  const icecast = await startIcecast();
  const feeder = await icecast.feed('bench.mp3', 440);
  const spreads: number[] = [];
  const heardCounts: number[] = [];
  const startDelays: number[] = [];
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
      const firsts: { hamlet: string; at: number }[] = [];
      for (const [k, h] of c.hamlets.entries()) {
        const items = (await c.speakerStatus(h)).items.slice(before[k]!).filter((i) => i.firstSampleAt !== null);
        // the relay is the longest item the loudspeaker received since
        const item = items.sort((a, b) => b.durationMs - a.durationMs)[0];
        if (item && item.durationMs > 1000) firsts.push({ hamlet: h.hamletCode, at: item.firstSampleAt! });
      }
      const times = firsts.map((f) => f.at);
      const spread = times.length > 1 ? Math.max(...times) - Math.min(...times) : NaN;
      if (times.length > 1) spreads.push(spread);
      heardCounts.push(firsts.length);
      startDelays.push(...times.map((t) => t - session.epoch));
      played += ended.playedMs;
      total += ended.playedMs + ended.silenceMs;
      reconnects += ended.reconnects;
      log(
        `relay ${run + 1}/${options.runs} (${run === 0 ? 'scheduled window' : 'relay now'}): heard in ${firsts.length}/${c.hamlets.length} hamlets, ` +
          `start spread ${spread.toFixed(1)} ms, first sound ${Math.round(quantile(times, 0.5) - session.epoch)} ms after the epoch (median), ` +
          `station ${(ended.playedMs / 1000).toFixed(1)} s, silence ${(ended.silenceMs / 1000).toFixed(1)} s, reconnects ${ended.reconnects}` +
          (run === 0 ? `, window opened ${windowLateMs} ms and closed ${windowEndLateMs} ms after its times` : ''),
      );
    }
  } finally {
    await feeder.stop();
    await icecast.stop();
  }
  return {
    relay_hamlets: Math.min(...heardCounts),
    relay_spread_p99_ms: Math.round(quantile(spreads, 0.99) * 10) / 10,
    relay_spread_max_ms: Math.round(Math.max(...spreads) * 10) / 10,
    relay_first_sound_p50_ms: Math.round(quantile(startDelays, 0.5)),
    relay_station_pct: Math.round((played / Math.max(1, total)) * 1000) / 10,
    relay_reconnects: reconnects,
    relay_window_open_late_ms: windowLateMs,
    relay_window_close_late_ms: windowEndLateMs,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = numberArg('runs', 'BENCH_RELAY_RUNS', 3);
  const seconds = numberArg('seconds', 'BENCH_RELAY_SECONDS', 10);
  const commune = await startBenchCommune();
  try {
    const figures = await relaySection(commune, { runs, seconds });
    console.log(`RESULT ${JSON.stringify(figures)}`);
  } finally {
    await commune.stop();
  }
}
