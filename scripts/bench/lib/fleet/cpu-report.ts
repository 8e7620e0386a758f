import { cpus } from 'node:os';
import { fmt } from './common.js';
import type { Sampler } from './proc-sampler.js';
import type { WorkerHandle } from './worker-handle.js';

/** CPU of everyone over a span, so a busy phase shows whether the cloud or the machine was the limit. */
export interface CpuReport {
  /** CPU % of processes other than the cloud, the simulators and this one. */
  othersCpu(t0: number, t1: number): number | null;
  /** Adds a note when other processes took more than half a core during the phase. */
  contention(phase: string, t0: number, t1: number): void;
  /** One line: cloud, simulators, bench main, other processes, whole machine. */
  cpuLine(t0: number, t1: number): string;
}

export function cpuReport(sampler: Sampler, workers: readonly WorkerHandle[], notes: string[]): CpuReport {
  const othersCpu = (t0: number, t1: number) => {
    const m = sampler.window('machine', t0, t1).cpuAvg;
    if (m === null) return null;
    const sims = workers.reduce((a, w) => a + (sampler.window(`worker${w.index}`, t0, t1).cpuAvg ?? 0), 0);
    return Math.max(0, m - (sampler.window('cloud', t0, t1).cpuAvg ?? 0) - sims - (sampler.window('bench', t0, t1).cpuAvg ?? 0));
  };
  const contention = (phase: string, t0: number, t1: number) => {
    const o = othersCpu(t0, t1);
    if (o !== null && o > 50) notes.push(`other processes on this machine used ${o.toFixed(0)} % CPU during the ${phase} (100 % = one core of ${cpus().length}): the figures of that phase are distorted by contention (compare runs on a quiet machine)`);
  };
  const cpuLine = (t0: number, t1: number) => {
    const c = sampler.window('cloud', t0, t1);
    const sims = workers.reduce((a, w) => a + (sampler.window(`worker${w.index}`, t0, t1).cpuAvg ?? 0), 0);
    const m = sampler.window('machine', t0, t1);
    const main = sampler.window('bench', t0, t1).cpuAvg ?? 0;
    const others = othersCpu(t0, t1);
    return `CPU (100 % = one core): cloud ${fmt(c.cpuAvg, 0)} % avg, ${fmt(c.cpuMax, 0)} % peak 1 s; simulators ${fmt(sims, 0)} %; bench main ${fmt(main, 0)} %; other processes ${fmt(others, 0)} %; whole machine ${fmt(m.cpuAvg, 0)} % of ${cpus().length * 100} %`;
  };
  return { othersCpu, contention, cpuLine };
}
