import { fmt, median, round, sleep } from './common.js';
import type { RunContext } from './run-context.js';

/** Baseline: the cloud with N provisioned edges, none connected, over 4 s. */
export async function measureBaseline(ctx: RunContext) {
  const { opts, result, log, http, sampler, cpu } = ctx;
  const N = opts.edges;
  const baseT0 = Date.now();
  await sleep(4000);
  const base = sampler.window('cloud', baseT0, Date.now());
  const baseHealth: number[] = [];
  for (let i = 0; i < 5; i++) baseHealth.push((await http.request('GET', '/healthz')).ms);
  result.rss_baseline_mb = round(base.rssMedian);
  log(`[baseline] cloud with ${N} provisioned edges, none connected: RSS ${fmt(base.rssMedian)} MB (median of ${base.n} samples), CPU ${fmt(base.cpuMedian)} %, /healthz ${fmt(median(baseHealth))} ms`);
  log(`           ${cpu.cpuLine(baseT0, baseT0 + 4000)}`);
  return base;
}
