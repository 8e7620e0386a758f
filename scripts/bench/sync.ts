/**
 * Synchronised playback across the nine hamlets: each edge's clock is deliberately wrong (±2 s) and its
 * MQTT traffic delayed 50–300 ms; the same scheduled bulletin plays in every hamlet, round after
 * round; the spread of first-sample times at the simulated loudspeakers is the figure.
 */
import { localTime, numberArg, quantile, startBenchCommune, waitUntil } from './lib/commune.js';

const rounds = numberArg('rounds', 'BENCH_ROUNDS', 20);
const skewsMs = [-2000, -1500, -1000, -500, 0, 500, 1000, 1500, 2000];

const commune = await startBenchCommune({ skewsMs, mqttDelayMs: { min: 50, max: 300 } });
try {
  const bulletin = await commune.cloud.request<{ id: string; durationMs: number }>('POST', '/api/v1/bulletins', { title: 'Kiểm tra đồng bộ', text: 'Kiểm tra loa.' });
  const spacingMs = Math.ceil((bulletin.durationMs + 2000) / 1000) * 1000;
  const firstAt = Math.ceil((Date.now() + 15_000) / 1000) * 1000;
  const starts = Array.from({ length: rounds }, (_, i) => firstAt + i * spacingMs);
  for (const [i, startAt] of starts.entries()) {
    await commune.cloud.request('POST', '/api/v1/schedules', { title: `Đồng bộ ${i + 1}`, source: { kind: 'bulletin', bulletinId: bulletin.id }, startsLocal: localTime(startAt), targets: { all: true } });
  }
  console.log(`${rounds} rounds of a ${bulletin.durationMs} ms bulletin every ${spacingMs} ms; clock skews ${skewsMs.join(', ')} ms`);
  const end = starts.at(-1)! + bulletin.durationMs + 3000;
  await waitUntil(() => Date.now() > end, end - Date.now() + 10_000, 'the last round');

  const heard = await Promise.all(commune.hamlets.map(async (h) => (await commune.speakerStatus(h)).items.map((i) => i.firstSampleAt).filter((t): t is number => t !== null)));
  const spreads: number[] = [];
  let missing = 0;
  for (const startAt of starts) {
    const firsts = heard.map((times) => times.find((t) => Math.abs(t - startAt) < spacingMs / 2)).filter((t): t is number => t !== undefined);
    missing += heard.length - firsts.length;
    if (firsts.length > 1) spreads.push(Math.max(...firsts) - Math.min(...firsts));
  }
  console.log(`spread per round (ms): ${spreads.map((s) => s.toFixed(1)).join(' ')}`);
  /** How late each hamlet's first sample was against each round's planned start (rounds it missed left out). */
  const lateness = (times: number[]) =>
    starts.flatMap((s) => {
      const t = times.find((x) => Math.abs(x - s) < spacingMs / 2);
      return t === undefined ? [] : [t - s];
    });
  for (const [k, h] of commune.hamlets.entries()) {
    console.log(`  ${h.hamletCode} (clock ${h.skewMs >= 0 ? '+' : ''}${h.skewMs} ms): median ${quantile(lateness(heard[k]!), 0.5).toFixed(1)} ms after the planned start`);
  }
  const offsets = heard.flatMap(lateness);
  // where a spread comes from: each edge's clock-offset estimate (a constant bias per edge) vs round-to-round timing
  const clockErrors = await Promise.all(
    commune.hamlets.map(async (h) => {
      const edge = await commune.cloud.request<{ telemetry: { clock: { offsetMs: number; roundTripMs: number } | null } | null }>('GET', `/api/v1/edges/${h.edgeId}`);
      const clock = edge.telemetry?.clock;
      return clock ? `${h.hamletCode} ${(clock.offsetMs + h.skewMs).toFixed(1)} ms (rtt ${clock.roundTripMs} ms)` : `${h.hamletCode} unknown`;
    }),
  );
  console.log(`clock-offset estimate error per edge (from telemetry): ${clockErrors.join(', ')}`);
  const medians = heard.map((times) => quantile(lateness(times), 0.5));
  const residualSpreads = starts.flatMap((startAt) => {
    const residuals = heard.flatMap((times, k) => {
      const t = times.find((x) => Math.abs(x - startAt) < spacingMs / 2);
      return t === undefined ? [] : [t - startAt - medians[k]!];
    });
    return residuals.length > 1 ? [Math.max(...residuals) - Math.min(...residuals)] : [];
  });
  console.log(`spread with each hamlet's median lateness removed (timing jitter alone): p50 ${quantile(residualSpreads, 0.5).toFixed(1)} ms, p99 ${quantile(residualSpreads, 0.99).toFixed(1)} ms`);
  const p50 = quantile(spreads, 0.5);
  const p99 = quantile(spreads, 0.99);
  const max = Math.max(...spreads);
  console.log(`spread of first samples across 9 hamlets: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms (target p99 ≤ 20 ms)`);
  console.log(`first sample vs planned start (all hamlets, all rounds): median ${quantile(offsets, 0.5).toFixed(1)} ms; missing plays: ${missing}`);
  console.log(`RESULT ${JSON.stringify({ edges: 9, rounds: spreads.length, p50_ms: round(p50), p99_ms: round(p99), max_ms: round(max), median_late_ms: round(quantile(offsets, 0.5)), missing })}`);
} finally {
  await commune.stop();
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
