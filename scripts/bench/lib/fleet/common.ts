/** Constants and small helpers of the fleet benchmark, shared by the orchestrator and the simulators. */

export const HOST = '127.0.0.1';
export const INTERVAL_S = 10;
export const HAMLETS = ['ap-1', 'ap-2', 'ap-2a', 'ap-3', 'ap-3a', 'ap-4', 'ap-5', 'ap-6', 'ap-7'];
/** The real edge's reconnect backoff (edge/src/link/mqtt-link.ts). */
export const EDGE_BACKOFF = { initialMs: 1000, maxMs: 60_000, jitter: 0.3 };
export const DEFAULT_EDGES = 2000;

export interface Cred {
  edgeId: string;
  username: string;
  password: string;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
export const median = (values: readonly number[]) => percentile(values, 50);
export const round = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));
export const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
