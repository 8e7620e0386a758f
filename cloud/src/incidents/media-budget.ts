import { statfsSync } from 'node:fs';
import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { CloudMetrics } from '../metrics.js';
import { EvictionCandidates } from './eviction-candidates.js';
import type { IncidentStore } from './incident-store.js';
import type { MediaFiles } from './media-files.js';

const BATCH = 50;

export interface MediaBudgetDeps {
  query: QueryDatabase;
  store: IncidentStore;
  files: MediaFiles;
  audit: AuditLog;
  metrics: CloudMetrics;
  logger: Logger;
  /** SC_INCIDENT_MEDIA_MAX_BYTES; unset: half the file system holding the media store (none for a bucket). */
  maxBytes: number | undefined;
  /** The folder of the local store's incident files, whose volume an unset budget is half of; null for a bucket. */
  volumeDir: string | null;
}

export interface MediaBudgetState {
  budgetBytes: number;
  usedBytes: number;
  /**
   * Where the budget comes from: the setting, half the volume's size, or none of the cloud's own
   * (a bucket without SC_INCIDENT_MEDIA_MAX_BYTES: the bucket's quota is the limit).
   */
  source: 'configured' | 'volume' | 'unbounded';
}

/** Half the size of the file system holding `dir`: room left for the database, logs and the system. */
export function volumeBudget(dir: string): number {
  const fs = statfsSync(dir);
  return Math.floor((fs.blocks * fs.bsize) / 2);
}

/**
 * The byte budget of the cloud's incident media. Before a file is stored, room is made for it by
 * deleting whole items in the order of EvictionCandidates (dismissed, unreviewed detections,
 * unreviewed alerts; oldest first within each); confirmed items, legal holds and items under review
 * are never deleted automatically, so when only those are left the upload is refused (507) and the
 * box keeps its file and retries. Each deletion is audited and counted, as retention's are.
 */
export class MediaBudget {
  readonly budgetBytes: number;
  private readonly source: MediaBudgetState['source'];
  private readonly candidates: EvictionCandidates;
  /** One eviction at a time: two uploads making room at once would each count the other's frees. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Room promised to uploads in progress. */
  private reserved = 0;

  constructor(private readonly deps: MediaBudgetDeps) {
    this.budgetBytes = deps.maxBytes ?? (deps.volumeDir === null ? Number.MAX_SAFE_INTEGER : volumeBudget(deps.volumeDir));
    this.source = deps.maxBytes !== undefined ? 'configured' : deps.volumeDir === null ? 'unbounded' : 'volume';
    this.candidates = new EvictionCandidates(deps.query);
    deps.metrics.incidentMediaBudgetBytes.set(this.budgetBytes);
    deps.metrics.incidentMediaUsedBytes.set(deps.files.usedBytes);
  }

  state(): MediaBudgetState {
    return { budgetBytes: this.budgetBytes, usedBytes: this.deps.files.usedBytes, source: this.source };
  }

  /**
   * Makes room for `bytes` (deleting items if need be) and holds it until the returned release is
   * called (the upload stored or failed), so uploads arriving together cannot each count the same
   * free room. null when they cannot fit: only protected items are left, or the file is larger than
   * the whole budget.
   */
  reserve(bytes: number): Promise<(() => void) | null> {
    const run = this.queue.then(async () => {
      if (!(await this.evictUntil(bytes))) return null;
      this.reserved += bytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.reserved -= bytes;
      };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Brings the store under its budget (at start, and after the budget was lowered); false when it cannot. */
  async enforce(): Promise<boolean> {
    const run = this.queue.then(() => this.evictUntil(0));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** After a file was stored or removed elsewhere (retention), so the gauge follows. */
  changed(): void {
    this.deps.metrics.incidentMediaUsedBytes.set(this.deps.files.usedBytes);
  }

  private async evictUntil(incoming: number): Promise<boolean> {
    const { store, files, audit, metrics, logger } = this.deps;
    const fits = () => files.usedBytes + this.reserved + incoming <= this.budgetBytes;
    if (incoming > this.budgetBytes) return false; // deleting everything would not help
    let deleted = 0;
    try {
      while (!fits()) {
        const batch = await this.candidates.next(BATCH);
        if (batch.length === 0) break;
        for (const item of batch) {
          if (fits()) break;
          const usedBefore = files.usedBytes;
          const hashes = await store.contentHashes(item.id); // its objects' pictures and every clip part too
          await store.delete(item.id);
          let freed = 0;
          for (const sha256 of hashes) {
            if (!(await store.references(sha256))) freed += await files.remove(sha256);
          }
          await audit.record({
            actor: 'system',
            action: 'incident.evict',
            target: `incident:${item.id}`,
            details: { reason: 'media_budget', tier: item.tier, freedBytes: freed, usedBytes: usedBefore, budgetBytes: this.budgetBytes },
          });
          metrics.incidentsEvicted.inc({ tier: item.tier });
          deleted++;
        }
      }
    } finally {
      this.changed();
      if (deleted > 0) logger.warn({ deleted, usedBytes: files.usedBytes, budgetBytes: this.budgetBytes }, 'incident media over its byte budget: oldest dismissed/unreviewed items deleted');
    }
    if (!fits()) {
      metrics.incidentMediaBudgetFull.inc();
      logger.error({ usedBytes: files.usedBytes, incoming, budgetBytes: this.budgetBytes }, 'incident media budget full of confirmed, held or in-review items: nothing more can be deleted automatically');
    }
    return fits();
  }
}
