import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudMetrics } from '../metrics.js';
import { mediaPath, type MediaKey, type MediaKind } from './media-key.js';
import { MediaHashMismatch, MediaNotFound, MediaSourceRefused, MediaTooLarge, RangeNotSatisfiable, type MediaStore } from './media-store.js';

type Operation = 'put' | 'head' | 'read' | 'delete' | 'list';

/** The metric label of an operation's failure: the expected refusals by name, anything else `error`. */
function resultOf(err: unknown): string {
  if (err instanceof MediaHashMismatch) return 'hash_mismatch';
  if (err instanceof MediaTooLarge) return 'too_large';
  if (err instanceof MediaNotFound) return 'missing';
  if (err instanceof RangeNotSatisfiable) return 'unsatisfiable';
  if (err instanceof MediaSourceRefused) return 'refused'; // the caller's own check: it logs and answers
  return 'error';
}

/**
 * Counts every operation by result and logs the ones that matter (stores, deletes, refusals, the
 * backend's failures) around any MediaStore, so both backends report the same way.
 */
export function instrumented(store: MediaStore, observe: { logger: Logger; metrics: Pick<CloudMetrics, 'mediaBytesPut' | 'mediaOperations'> }): MediaStore {
  const { logger, metrics } = observe;
  const { backend } = store;
  const count = (operation: Operation, result: string) => metrics.mediaOperations.inc({ backend, operation, result });
  async function run<T>(operation: Operation, key: MediaKey | MediaKind, work: () => Promise<T>, result: (value: T) => string = () => 'ok'): Promise<T> {
    try {
      const value = await work();
      count(operation, result(value));
      return value;
    } catch (err) {
      const label = resultOf(err);
      count(operation, label);
      const where = typeof key === 'string' ? key : safePath(key);
      if (label === 'error') logger.error({ err, backend, operation, key: where }, 'media store failed');
      else if (label === 'hash_mismatch' || label === 'too_large') logger.warn({ backend, operation, key: where, reason: (err as Error).message }, 'media refused');
      throw err;
    }
  }
  return {
    backend,
    async put(key, source, options) {
      const stored = await run('put', key, () => store.put(key, source, options), (r) => (r.created ? 'ok' : 'existed'));
      if (stored.created) {
        metrics.mediaBytesPut.inc({ backend, kind: key.kind }, stored.bytes);
        logger.debug({ backend, key: mediaPath(key), bytes: stored.bytes }, 'media stored');
      }
      return stored;
    },
    head: (key) => run('head', key, () => store.head(key), (r) => (r ? 'ok' : 'missing')),
    read: (key, range) => run('read', key, () => store.read(key, range)),
    async delete(key) {
      const freed = await run('delete', key, () => store.delete(key), (bytes) => (bytes > 0 ? 'ok' : 'missing'));
      if (freed > 0) logger.info({ backend, key: mediaPath(key), bytes: freed }, 'media deleted');
      return freed;
    },
    async *list(kind) {
      // counted once the listing is done (or failed): a sweep reads it to the end
      try {
        yield* store.list(kind);
        count('list', 'ok');
      } catch (err) {
        count('list', resultOf(err));
        logger.error({ err, backend, operation: 'list', key: kind }, 'media store failed');
        throw err;
      }
    },
    async removeStaleUploads(olderThanMs) {
      const removed = await store.removeStaleUploads(olderThanMs);
      if (removed > 0) logger.info({ backend, removed }, 'media uploads cut short removed');
      return removed;
    },
    close: () => store.close(),
  };
}

/** A malformed key has no path: log what was asked. */
function safePath(key: MediaKey): string {
  try {
    return mediaPath(key);
  } catch {
    return JSON.stringify(key);
  }
}
