import type { Logger } from '@smart-commune/shared/runtime';
import type { MediaStore } from './media-store.js';

/**
 * A temporary upload file untouched this long is a crash's leftover: one in progress is written
 * as its bytes arrive, and a spooled one goes to the bucket within minutes. Another cloud process
 * sharing the folder may be writing the younger ones, so they are left alone.
 */
export const STALE_UPLOAD_MS = 6 * 3600_000;

/**
 * Removes the media store's uploads a crash cut short, at start and then every `everyMs` (the
 * store's own cleanup: the local store's `<kind>/tmp` folders, the S3 store's spool).
 */
export function cleanStaleUploads(store: MediaStore, logger: Logger, everyMs = 3600_000): { stop(): void } {
  const clean = () => void store.removeStaleUploads(STALE_UPLOAD_MS).catch((err: unknown) => logger.warn({ err }, 'removing media uploads cut short failed'));
  clean();
  const timer = setInterval(clean, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
