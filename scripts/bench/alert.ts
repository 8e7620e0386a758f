/**
 * Emergency alert latency: from POST /api/v1/alerts (speech synthesis included) to the first sample
 * at the slowest of the nine hamlets' loudspeakers; and how late the alert cuts in against its own
 * start time, at every hamlet, while an ordinary programme is playing there.
 */
import { localTime, numberArg, quantile, startBenchCommune, waitUntil, type BenchCommune } from './lib/commune.js';

const PROGRAMME_TEXT =
  'Ủy ban nhân dân xã Vị Tân thông báo lịch tiêm phòng dại cho chó, mèo tại các ấp trong tuần này. ' +
  'Bà con có vật nuôi vui lòng đưa đến điểm tiêm của ấp mình vào buổi sáng, mang theo sổ theo dõi. ' +
  'Mọi thắc mắc xin liên hệ cán bộ thú y xã hoặc trưởng ấp để được hướng dẫn thêm.';

const count = numberArg('alerts', 'BENCH_ALERTS', 10);
const commune = await startBenchCommune();

/** Each hamlet's first sample of the first item after `before[k]` items, once every hamlet has one. */
async function firstSamples(c: BenchCommune, before: number[], timeoutMs: number, what: string, after = 0): Promise<number[]> {
  let firsts: number[] = [];
  await waitUntil(async () => {
    const found = await Promise.all(
      c.hamlets.map(async (h, k) => (await c.speakerStatus(h)).items.slice(before[k]).find((it) => it.firstSampleAt !== null && it.firstSampleAt >= after)?.firstSampleAt ?? null),
    );
    if (found.some((t) => t === null)) return false;
    firsts = found as number[];
    return true;
  }, timeoutMs, what);
  return firsts;
}

const itemCounts = (c: BenchCommune) => Promise.all(c.hamlets.map(async (h) => (await c.speakerStatus(h)).items.length));

try {
  const programme = await commune.cloud.request<{ id: string; durationMs: number }>('POST', '/api/v1/bulletins', { title: 'Tiêm phòng dại', text: PROGRAMME_TEXT });
  const latencies: number[] = [];
  const cutIns: number[] = [];
  const synthesis: number[] = [];
  for (let i = 1; i <= count; i++) {
    // an ordinary programme is on air everywhere when the alert comes: the alert has to cut in
    const programmeAt = Math.ceil((Date.now() + 5000) / 1000) * 1000;
    const beforeProgramme = await itemCounts(commune);
    const schedule = await commune.cloud.request<{ id: string }>('POST', '/api/v1/schedules', {
      title: `Chương trình ${i}`,
      source: { kind: 'bulletin', bulletinId: programme.id },
      startsLocal: localTime(programmeAt),
      targets: { all: true },
    });
    await firstSamples(commune, beforeProgramme, 30_000, `programme ${i} on every loudspeaker`, programmeAt - 1000);
    await new Promise((r) => setTimeout(r, 1000));

    const before = await itemCounts(commune);
    const postedAt = Date.now();
    const alert = await commune.cloud.request<{ id: string; durationMs: number; startsAt: number }>('POST', '/api/v1/alerts', {
      text: `Cảnh báo thử số ${i}: nước lên nhanh, bà con chú ý.`,
      severity: 'severe',
      targets: { all: true },
      repeatEveryMinutes: null,
      expiresAt: Date.now() + 10 * 60_000,
    });
    synthesis.push(Date.now() - postedAt);
    const firsts = await firstSamples(commune, before, 30_000, `alert ${i} on every loudspeaker`);
    const slowest = Math.max(...firsts);
    latencies.push(slowest - postedAt);
    cutIns.push(...firsts.map((t) => t - alert.startsAt));
    console.log(
      `alert ${i}: ${Math.round(slowest - postedAt)} ms to the slowest hamlet (answer after ${synthesis.at(-1)} ms); cut in ${firsts.map((t) => Math.round(t - alert.startsAt)).join(', ')} ms after its start`,
    );
    await waitUntil(() => Date.now() > slowest + alert.durationMs + 1000, alert.durationMs + 10_000, 'the alert to finish');
    await commune.cloud.request('DELETE', `/api/v1/alerts/${alert.id}`);
    await commune.cloud.request('DELETE', `/api/v1/schedules/${schedule.id}`);
  }
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  const cutInP50 = quantile(cutIns, 0.5);
  const cutInP99 = quantile(cutIns, 0.99);
  console.log(`POST → first sample at the slowest hamlet: p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms (target p99 ≤ 2000 ms); the API answered after a median ${Math.round(quantile(synthesis, 0.5))} ms (synthesis)`);
  console.log(`cut-in over a playing programme, first sample vs the alert's start, all hamlets: p50 ${cutInP50.toFixed(1)} ms, p99 ${cutInP99.toFixed(1)} ms, max ${Math.max(...cutIns).toFixed(1)} ms (target ≤ 200 ms)`);
  console.log(
    `RESULT ${JSON.stringify({ alerts: latencies.length, p50_ms: Math.round(p50), p99_ms: Math.round(p99), synthesis_p50_ms: Math.round(quantile(synthesis, 0.5)), cut_in_p50_ms: Math.round(cutInP50), cut_in_p99_ms: Math.round(cutInP99), cut_in_max_ms: Math.round(Math.max(...cutIns)) })}`,
  );
} finally {
  await commune.stop();
}
