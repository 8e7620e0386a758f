import type { HamletUptime } from '../../fleet/speakers/speaker-history.js';
import type { AirtimeRow, BroadcastSource } from '../playback/playback-store.js';

export const SOURCES: readonly BroadcastSource[] = ['bulletin', 'live', 'relay', 'alert'];
export const REPORT_PRIORITIES = ['emergency', 'priority', 'normal', 'unknown'] as const;
export type ReportPriority = (typeof REPORT_PRIORITIES)[number];

/** `YYYY-MM`: the month the report covers, in the commune's calendar. */
export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Vietnam keeps UTC+7 all year (no daylight saving since 1975): a month starts at 00:00 local = 17:00 UTC the day before. */
const COMMUNE_OFFSET_MS = 7 * 3600_000;

/** The month's bounds [from, to) in epoch ms, Asia/Ho_Chi_Minh. */
export function monthRange(month: string): { from: number; to: number } {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new Error(`month "${month}" is not YYYY-MM`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: Date.UTC(year, index, 1) - COMMUNE_OFFSET_MS, to: Date.UTC(year, index + 1, 1) - COMMUNE_OFFSET_MS };
}

/** The commune's current month as YYYY-MM. */
export function currentMonth(now = Date.now()): string {
  const local = new Date(now + COMMUNE_OFFSET_MS);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
}

export interface Airtime {
  items: number;
  ms: number;
}

export interface HamletReport {
  hamletCode: string;
  hamletName: string;
  total: Airtime;
  bySource: Record<BroadcastSource, Airtime>;
  byPriority: Record<ReportPriority, Airtime>;
  /** Source × priority, every combination (zeros included), for the page's table. */
  cells: { source: BroadcastSource; priority: ReportPriority; items: number; ms: number }[];
  /** The hamlet's loudspeakers over the month so far (see SpeakerHistory.uptimeByHamlet). */
  uptime: { ratio: number | null; upMs: number; knownMs: number; zones: number };
}

export interface MonthlyReport {
  month: string;
  from: number;
  to: number;
  generatedAt: number;
  hamlets: HamletReport[];
  total: Airtime;
}

const zero = (): Airtime => ({ items: 0, ms: 0 });
const add = (a: Airtime, items: number, ms: number) => {
  a.items += items;
  a.ms += ms;
};

/** Puts proof-of-play airtime and zone uptime together, one entry per hamlet of the commune, in its order. */
export function buildMonthlyReport(input: {
  month: string;
  hamlets: readonly { code: string; name: string }[];
  airtime: readonly AirtimeRow[];
  uptime: ReadonlyMap<string, HamletUptime>;
  now?: number;
}): MonthlyReport {
  const { from, to } = monthRange(input.month);
  const total = zero();
  const hamlets = input.hamlets.map((h): HamletReport => {
    const rows = input.airtime.filter((r) => r.hamletCode === h.code);
    const bySource = Object.fromEntries(SOURCES.map((s) => [s, zero()])) as Record<BroadcastSource, Airtime>;
    const byPriority = Object.fromEntries(REPORT_PRIORITIES.map((p) => [p, zero()])) as Record<ReportPriority, Airtime>;
    const hamletTotal = zero();
    for (const r of rows) {
      add(bySource[r.source], r.items, r.ms);
      add(byPriority[r.priority], r.items, r.ms);
      add(hamletTotal, r.items, r.ms);
    }
    add(total, hamletTotal.items, hamletTotal.ms);
    const cells = SOURCES.flatMap((source) =>
      REPORT_PRIORITIES.map((priority) => {
        const row = rows.find((r) => r.source === source && r.priority === priority);
        return { source, priority, items: row?.items ?? 0, ms: row?.ms ?? 0 };
      }),
    );
    const u = input.uptime.get(h.code);
    return {
      hamletCode: h.code,
      hamletName: h.name,
      total: hamletTotal,
      bySource,
      byPriority,
      cells,
      uptime: { ratio: u?.ratio ?? null, upMs: u?.upMs ?? 0, knownMs: u?.knownMs ?? 0, zones: u?.zones ?? 0 },
    };
  });
  return { month: input.month, from, to, generatedAt: input.now ?? Date.now(), hamlets, total };
}
