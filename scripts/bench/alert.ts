/**
 * Emergency alert latency: from POST /api/v1/alerts (speech synthesis included) to the first sample
 * at the slowest of the nine hamlets' loudspeakers.
 */
import { numberArg, quantile, startBenchCommune, waitUntil } from './lib/commune.js';

const count = numberArg('alerts', 'BENCH_ALERTS', 10);
const commune = await startBenchCommune();
try {
  const latencies: number[] = [];
  const synthesis: number[] = [];
  for (let i = 1; i <= count; i++) {
    const before = await Promise.all(commune.hamlets.map(async (h) => (await commune.speakerStatus(h)).items.length));
    const postedAt = Date.now();
    const alert = await commune.cloud.request<{ id: string; durationMs: number }>('POST', '/api/v1/alerts', {
      text: `Cảnh báo thử số ${i}: nước lên nhanh, bà con chú ý.`,
      severity: 'severe',
      targets: { all: true },
      repeatEveryMinutes: null,
      expiresAt: Date.now() + 10 * 60_000,
    });
    synthesis.push(Date.now() - postedAt);
    let slowest = 0;
    await waitUntil(async () => {
      const firsts = await Promise.all(
        commune.hamlets.map(async (h, k) => (await commune.speakerStatus(h)).items.slice(before[k]).find((it) => it.firstSampleAt !== null)?.firstSampleAt ?? null),
      );
      if (firsts.some((t) => t === null)) return false;
      slowest = Math.max(...(firsts as number[]));
      return true;
    }, 30_000, `alert ${i} on every loudspeaker`);
    latencies.push(slowest - postedAt);
    console.log(`alert ${i}: ${Math.round(slowest - postedAt)} ms to the slowest hamlet (answer after ${synthesis.at(-1)} ms)`);
    await waitUntil(() => Date.now() > postedAt + latencies.at(-1)! + alert.durationMs + 1000, alert.durationMs + 10_000, 'the alert to finish');
    await commune.cloud.request('DELETE', `/api/v1/alerts/${alert.id}`);
  }
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  console.log(`POST → first sample at the slowest hamlet: p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms (target p99 ≤ 2000 ms); the API answered after a median ${Math.round(quantile(synthesis, 0.5))} ms (synthesis)`);
  console.log(`RESULT ${JSON.stringify({ alerts: latencies.length, p50_ms: Math.round(p50), p99_ms: Math.round(p99), synthesis_p50_ms: Math.round(quantile(synthesis, 0.5)) })}`);
} finally {
  await commune.stop();
}
