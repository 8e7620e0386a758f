import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { median } from './common.js';

/** CPU and RSS of the cloud, the simulators, this process and the whole machine, sampled from /proc. */

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcSample {
  t: number;
  cpuS: number;
  rssMb: number;
}

/** CPU seconds (user+system, all threads) and RSS of a process, from /proc. */
export function readProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { t: Date.now(), cpuS, rssMb: rssKb / 1024 };
  } catch {
    return null;
  }
}

/** The whole machine's busy CPU seconds (all cores; 100 % = one core), from /proc/stat. */
export function readMachine(): ProcSample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { t: Date.now(), cpuS: (total - idle) / CLK_TCK, rssMb: NaN };
  } catch {
    return null;
  }
}

export const cpuPct = (a: ProcSample | null, b: ProcSample | null) => (a && b && b.t > a.t ? ((b.cpuS - a.cpuS) / ((b.t - a.t) / 1000)) * 100 : null);

/** Samples processes every second; windows are read back by time. */
export class Sampler {
  readonly samples = new Map<string, ProcSample[]>();
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly pids: () => Map<string, number>) {}
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
  tick(): void {
    for (const [name, pid] of this.pids()) {
      const s = pid === 0 ? readMachine() : readProc(pid);
      if (!s) continue;
      let list = this.samples.get(name);
      if (!list) this.samples.set(name, (list = []));
      list.push(s);
    }
  }
  /** Samples inside [t0, t1], widened by the nearest sample on each side so a short span still has two. */
  between(name: string, t0: number, t1: number): ProcSample[] {
    const list = this.samples.get(name) ?? [];
    let first = list.findIndex((s) => s.t >= t0);
    if (first < 0) first = list.length;
    let end = list.findIndex((s) => s.t > t1);
    if (end < 0) end = list.length;
    if (end - first >= 2) return list.slice(first, end);
    return list.slice(Math.max(0, first - 1), Math.min(list.length, end + 1));
  }
  /** Median of per-second CPU % and the average over the span, plus RSS median and max. */
  window(name: string, t0: number, t1: number) {
    const list = this.between(name, t0, t1);
    const perSecond: number[] = [];
    for (let i = 1; i < list.length; i++) {
      const p = cpuPct(list[i - 1]!, list[i]!);
      if (p !== null) perSecond.push(p);
    }
    return {
      cpuMedian: median(perSecond),
      cpuMax: perSecond.length ? Math.max(...perSecond) : null,
      cpuAvg: list.length > 1 ? cpuPct(list[0]!, list[list.length - 1]!) : null,
      rssMedian: median(list.map((s) => s.rssMb)),
      rssMax: list.length ? Math.max(...list.map((s) => s.rssMb)) : null,
      n: list.length,
    };
  }
}
