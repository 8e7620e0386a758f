import type { Cred } from './common.js';

/** Messages between the orchestrator and its simulator processes (over the fork IPC channel). */

export type ToWorker =
  | { type: 'init'; url: string; creds: Cred[] }
  | { type: 'connect'; window: number }
  | { type: 'storm' }
  | { type: 'stats'; reset: boolean; ids?: boolean }
  | { type: 'stop' };

export interface WorkerStats {
  connected: number;
  total: number;
  telemetrySent: number;
  otherSent: number;
  attempts: number;
  errors: Record<string, number>;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Edge ids connected right now (only when asked for). */
  connectedIds?: string[];
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'initialized' }
  | { type: 'connected'; firstStartAt: number; lastConnectAt: number; latencies: number[]; attempts: number; connected: number }
  | { type: 'storm-started'; dropAt: number; dropped: number }
  | { type: 'storm-done'; dropAt: number; dropped: number; lastConnectAt: number; latencies: number[]; attempts: number }
  | ({ type: 'stats' } & WorkerStats)
  | { type: 'stopped' };
