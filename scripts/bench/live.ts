/**
 * Live voice: mouth-to-loudspeaker delay and how far apart the nine hamlets play it. A Node client
 * plays the operator's browser (the same WebM/Opus pieces MediaRecorder sends, every 100 ms, over
 * the live voice WebSocket) through a delaying link; the nine boxes fetch the session's stream over
 * delaying links too (50–300 ms, 1 % loss as TCP sees it). What it says is a known noise-like signal:
 * each second of it is found again by cross-correlation in what every loudspeaker received, which
 * gives its delay from the "mouth" and the spread across hamlets, to the sample.
 */
import { LIVE_API_PATH, liveStopPath, liveVoiceLinkPath, liveVoiceSocketPath } from '../../shared/src/index.js';
import { startDelayProxy } from '../../firmware-sim/src/network/delay-proxy.js';
import { speakAsOperator } from '../../cloud/src/radio/live-voice/testing/operator-client.js';
import { locate, RATE, signalPcm } from '../../test-support/live-audio.js';
import { numberArg, quantile, startBenchCommune, waitUntil, type BenchCommune, type BenchHamlet } from './lib/commune.js';
import { relaySection } from './live-relay.js';

const seconds = numberArg('seconds', 'BENCH_LIVE_SECONDS', 20);
/**
 * Boxes in the field have been running for days when an operator speaks: their clocks are corrected
 * (edge/src/fleet/clock-sync.ts, an exchange every 15 s over the same slow link) before the session.
 */
const settleS = numberArg('settle', 'BENCH_LIVE_SETTLE_S', 45);
// BENCH_LIVE_CLEAN=1: no delay nor loss anywhere, to tell the links' share from the path's own
const clean = process.env.BENCH_LIVE_CLEAN === '1';
const LINK = clean ? { min: 0, max: 0 } : { min: 50, max: 300 };
const LOSS = clean ? 0 : 0.01;
/** Each second of the voice, this much of it is looked for at every loudspeaker. */
const WINDOW_MS = 400;

// the live path's own settings may be tried here (SC_LIVE_PLAYOUT_MS, SC_LIVE_JITTER_MS), e.g. BENCH_LIVE_PLAYOUT_MS=700
const cloudEnv = Object.fromEntries(
  [['SC_LIVE_PLAYOUT_MS', process.env.BENCH_LIVE_PLAYOUT_MS], ['SC_LIVE_JITTER_MS', process.env.BENCH_LIVE_JITTER_MS]].filter((e): e is [string, string] => e[1] !== undefined),
);
const commune = await startBenchCommune({ mqttDelayMs: LINK, httpDelayMs: LINK, lossRate: LOSS, cloudEnv });
console.log(`letting the boxes' clocks settle for ${settleS} s`);
await new Promise((r) => setTimeout(r, settleS * 1000));

/**
 * Each box's estimate of the cloud clock, from its last telemetry: every process here shares this
 * machine's clock, so the true offset is 0 and what is reported is the estimate's error.
 */
async function clockErrors(c: BenchCommune): Promise<number[]> {
  const errors: number[] = [];
  for (const h of c.hamlets) {
    const edge = await c.cloud.request<{ telemetry: { clock: { offsetMs: number; roundTripMs: number } | null } | null }>('GET', `/api/v1/edges/${h.edgeId}`);
    const clock = edge.telemetry?.clock;
    console.log(`  ${h.hamletCode}: clock offset estimate ${clock ? `${clock.offsetMs.toFixed(1)} ms (round trip ${clock.roundTripMs.toFixed(0)} ms)` : 'none yet'}`);
    if (clock) errors.push(clock.offsetMs + h.skewMs); // a box skewMs ahead should add -skewMs
  }
  const spread = errors.length ? Math.max(...errors) - Math.min(...errors) : NaN;
  console.log(`clock estimates (truth 0): max |error| ${Math.max(...errors.map(Math.abs)).toFixed(1)} ms, spread across boxes ${spread.toFixed(1)} ms`);
  return errors;
}
const clockErrorsMs = await clockErrors(commune);

interface Recording {
  pcm: Buffer;
  /** When sample `n` of the PCM reached the loudspeaker (its packet's arrival, plus its place in the packet). */
  heardAt(n: number): number;
}

/** The PCM a hamlet's loudspeaker received for one item, and when each packet of it arrived. */
async function recording(hamlet: BenchHamlet, index: number): Promise<Recording> {
  const base = hamlet.statusUrl.replace(/\/status$/, `/items/${index}`);
  const res = await fetch(`${base}/pcm`);
  if (!res.ok) throw new Error(`${hamlet.hamletCode}: recording ${index}: HTTP ${res.status}`);
  const pcm = Buffer.from(await res.arrayBuffer());
  const packets = (await (await fetch(`${base}/timing`)).json()) as [number, number][];
  return {
    pcm,
    heardAt(n) {
      // the last packet starting at or before sample n (binary search)
      let lo = 0;
      let hi = packets.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (packets[mid]![0] <= n) lo = mid;
        else hi = mid - 1;
      }
      const [first, at] = packets[lo]!;
      return at + ((n - first) / RATE) * 1000;
    },
  };
}

interface Heard {
  hamlet: string;
  /** Wall-clock ms each second of the voice was heard (null: not found there). */
  at: (number | null)[];
  score: number;
  /** Stretches of 20 ms or more without sound inside the voice: what concealment did not cover. */
  gaps: number;
}

/** Where each second of the voice landed in what the hamlet's loudspeaker received. */
async function heardIn(c: BenchCommune, hamlet: BenchHamlet, before: number, voice: Buffer): Promise<Heard> {
  const items = (await c.speakerStatus(hamlet)).items.filter((i) => i.index >= before && i.firstSampleAt !== null);
  let best: { rec: Recording; offset: number; score: number } | null = null;
  for (const item of items) {
    const rec = await recording(hamlet, item.index);
    if (rec.pcm.length < voice.length / 2) continue;
    // the whole voice first (a short head of it, so the FFT stays small): which item, and roughly where
    const head = voice.subarray(0, Math.min(voice.length, 3 * RATE * 2));
    const match = locate(rec.pcm, head);
    if (!best || match.score > best.score) best = { rec, offset: match.offsetSamples, score: match.score };
  }
  const windows = Math.floor(voice.length / 2 / RATE);
  if (!best) return { hamlet: hamlet.hamletCode, at: Array(windows).fill(null), score: 0, gaps: windows };
  const at: (number | null)[] = [];
  // the last second found, and where: the delay may move during a session (the cloud's jitter
  // buffer plays a surplus away), so each second is looked for from the last one found
  let last = { i: 0, pos: best.offset };
  for (let i = 0; i < windows; i++) {
    const ref = voice.subarray(i * RATE * 2, (i * RATE + (WINDOW_MS * RATE) / 1000) * 2);
    // around where it should be: the last found second's place plus the seconds since, ±300 ms
    const from = Math.max(0, last.pos + (i - last.i) * RATE - 0.3 * RATE);
    const region = best.rec.pcm.subarray(from * 2, Math.min(best.rec.pcm.length, (from + 1.0 * RATE) * 2));
    if (region.length < ref.length) {
      at.push(null);
      continue;
    }
    const m = locate(region, ref);
    if (m.score >= 0.5) last = { i, pos: from + m.offsetSamples };
    at.push(m.score >= 0.5 ? best.rec.heardAt(from + m.offsetSamples) : null);
  }
  return { hamlet: hamlet.hamletCode, at, score: best.score, gaps: silentStretches(best.rec.pcm.subarray(best.offset * 2, (best.offset * 2) + voice.length)) };
}

/** Runs of 20 ms (two 10 ms blocks) or longer that are nearly silent: the voice never is. */
function silentStretches(pcm: Buffer): number {
  const block = (RATE / 100) * 2;
  let run = 0;
  let gaps = 0;
  for (let off = 0; off + block <= pcm.length; off += block) {
    let sum = 0;
    for (let i = off; i < off + block; i += 2) sum += pcm.readInt16LE(i) ** 2;
    const quiet = Math.sqrt(sum / (block / 2)) < 150;
    run = quiet ? run + 1 : 0;
    if (run === 2) gaps++;
  }
  return gaps;
}

/** The operator's voice to all nine hamlets: delays and spread. */
async function voiceSection(c: BenchCommune) {
  const password = 'bench-operator-password';
  await c.cloud.request('POST', '/api/v1/users', { username: 'bench-operator', displayName: 'Cán bộ truyền thanh', role: 'operator', password, mustChangePassword: false });
  const login = await fetch(`${c.cloudUrl}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-operator', password }) });
  const { token } = (await login.json()) as { token: string };
  // the operator's phone reaches the cloud over a link like the boxes'
  const operatorLink = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: Number(new URL(c.cloudUrl).port), minDelayMs: LINK.min, maxDelayMs: LINK.max, lossRate: LOSS });
  try {
    const before = await Promise.all(c.hamlets.map(async (h) => (await c.speakerStatus(h)).items.length));
    const voice = signalPcm(seconds * 1000, 7);
    const started = await fetch(`http://127.0.0.1:${operatorLink.port}${LIVE_API_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Bench: giọng nói trực tiếp', priority: 'normal', targets: { all: true } }),
    });
    if (started.status !== 201) throw new Error(`live session refused: ${started.status} ${await started.text()}`);
    const session = (await started.json()) as { id: string; epoch: number; startedAt: number };
    const run = await speakAsOperator({
      url: `ws://127.0.0.1:${operatorLink.port}${liveVoiceSocketPath(session.id)}`,
      headers: { authorization: `Bearer ${token}` },
      sample: (n) => (n < voice.length / 2 ? voice.readInt16LE(n * 2) : 0),
      durationMs: seconds * 1000,
    });
    console.log(`voice session ${session.id}: playout epoch ${session.epoch - session.startedAt} ms after its start; speaking ${seconds} s`);
    await run.done;
    const link = (await (await fetch(`${c.cloudUrl}${liveVoiceLinkPath(session.id)}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { receivedBytes: number; decodedMs: number; connections: number };
    console.log(JSON.stringify(run.messages), await Promise.race([run.closed, new Promise((r) => setTimeout(() => r("open"), 100))]));
    console.log(`operator link: ${link.connections} connection(s), ${run.sentBytes()} bytes sent, ${link.receivedBytes} received, ${Math.round(link.decodedMs)} ms of audio decoded into the session`);
    // what was said is on air until the playout latency has passed after the last word
    await new Promise((r) => setTimeout(r, session.epoch - session.startedAt + 1500));
    await fetch(`${c.cloudUrl}${liveStopPath(session.id)}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    await waitUntil(async () => (await run.closed.then(() => true, () => true)), 10_000, 'the operator socket to close');

    const heard = await Promise.all(c.hamlets.map((h, k) => heardIn(c, h, before[k]!, voice)));
    const delays: number[] = [];
    const spreads: number[] = [];
    let missing = 0;
    for (let i = 0; i < seconds; i++) {
      const mouth = run.startedAt + i * 1000;
      const times = heard.map((h) => h.at[i]).filter((t): t is number => t != null);
      missing += heard.length - times.length;
      delays.push(...times.map((t) => t - mouth));
      if (times.length > 1) spreads.push(Math.max(...times) - Math.min(...times));
    }
    if (process.env.BENCH_LIVE_DEBUG) {
      for (const [k, h] of heard.entries()) {
        const plays = await c.cloud.request<{ items: { occurrenceId: string; state: string; actualStartAt: number | null; offsetMs: number | null }[] }>('GET', `/api/v1/playback?edge=${c.hamlets[k]!.edgeId}`);
        const started = plays.items.find((p) => p.occurrenceId === `live:${session.id}` && p.state === 'started');
        const items = (await c.speakerStatus(c.hamlets[k]!)).items.slice(before[k]!);
        console.log(h.hamlet, 'box started', started?.actualStartAt ? started.actualStartAt - session.epoch : null, 'ms after epoch; speaker items', items.map((i) => `${Math.round(i.firstPacketAt - session.epoch)}ms/${Math.round(i.durationMs)}ms/lost ${i.lost}`).join(', '), '| per second:', h.at.map((t, i) => (t === null ? '-' : Math.round(t - run.startedAt - i * 1000))).join(' '));
      }
    }
    for (const h of heard) {
      const found = h.at.filter((t) => t !== null).length;
      console.log(`  ${h.hamlet}: voice found (score ${h.score.toFixed(2)}), ${found}/${h.at.length} seconds located, ${h.gaps} silent gap(s)`);
    }
    const gaps = heard.reduce((n, h) => n + h.gaps, 0) + missing;
    const figures = {
      hamlets: heard.filter((h) => h.at.some((t) => t !== null)).length,
      delay_p50_ms: Math.round(quantile(delays, 0.5)),
      delay_p99_ms: Math.round(quantile(delays, 0.99)),
      spread_p99_ms: Math.round(quantile(spreads, 0.99) * 10) / 10,
      gaps,
    };
    console.log(`mouth → loudspeaker over ${delays.length} seconds × hamlets: p50 ${figures.delay_p50_ms} ms, p99 ${figures.delay_p99_ms} ms, max ${Math.round(Math.max(...delays))} ms (target p99 ≤ 1500 ms)`);
    console.log(`spread of each second across the hamlets: p50 ${quantile(spreads, 0.5).toFixed(1)} ms, p99 ${figures.spread_p99_ms} ms (target ≤ 30 ms); gaps beyond concealment ${gaps} (${missing} seconds not found)`);
    return figures;
  } finally {
    await operatorLink.close();
  }
}

try {
  const voice = await voiceSection(commune);
  // station relays (tiếp sóng, scripts/bench/live-relay.ts): a relay through the same links, its spread across the hamlets
  const relay = await relaySection(commune, { runs: numberArg('relay-runs', 'BENCH_RELAY_RUNS', 2), seconds: numberArg('relay-seconds', 'BENCH_RELAY_SECONDS', 10) });
  const clockSpread = Math.max(...clockErrorsMs) - Math.min(...clockErrorsMs);
  console.log(`RESULT ${JSON.stringify({ ...voice, ...relay, clock_error_max_ms: Math.round(Math.max(...clockErrorsMs.map(Math.abs)) * 10) / 10, clock_spread_ms: Math.round(clockSpread * 10) / 10 })}`);
} finally {
  await commune.stop();
}
