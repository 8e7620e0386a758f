import { rmSync, statSync } from 'node:fs';
import type { Logger } from '@smart-commune/shared/runtime';
import type { IncidentStore } from './incident-store.js';

export interface IncidentRetention {
  /** Media the cloud has is deleted from the box after this long. */
  maxAgeMs: number;
  /** Incident media on the box stays under this many bytes (oldest uploaded first). */
  maxBytes: number;
}

const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/**
 * Frees the box's disk of incident media the cloud already holds: anything older than the age
 * limit, then the oldest until the byte budget holds. Media not yet uploaded is never deleted here.
 */
export function enforceIncidentRetention(store: IncidentStore, limits: IncidentRetention, logger: Logger, now = Date.now()): number {
  const uploaded = store.uploadedMedia().map((m) => ({ ...m, bytes: m.paths.reduce((sum, p) => sum + sizeOf(p), 0) }));
  let total = uploaded.reduce((sum, m) => sum + m.bytes, 0);
  let deleted = 0;
  for (const media of uploaded) {
    if (media.createdAt >= now - limits.maxAgeMs && total <= limits.maxBytes) break;
    for (const path of media.paths) rmSync(path, { force: true });
    store.forgetMedia(media.id);
    total -= media.bytes;
    deleted++;
  }
  if (deleted) logger.info({ deleted, bytesKept: total }, 'incident media the cloud holds was deleted from the box');
  return deleted;
}
