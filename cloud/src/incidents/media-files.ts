import type { IncidentMediaKind } from '@smart-commune/shared';
import type { MediaKey } from '../storage/media-key.js';
import type { ByteRange, MediaRead, MediaSource, MediaStore } from '../storage/media-store.js';

const EXTENSION: Record<IncidentMediaKind, string> = { snapshot: 'jpg', clip: 'mp4' };

/**
 * Incident files in the media store, once per content (`incidents/<first 2 hex>/<sha256>.<jpg|mp4>`,
 * on disk or in the bucket): two incidents with the same bytes share one object, which is deleted
 * only when no incident names it any more. Counts the bytes held, which the byte budget
 * (media-budget.ts) weighs against: listed from the store at start and at every retention sweep
 * (other cloud processes store and delete too), followed in between as this process puts and removes.
 */
export class MediaFiles {
  private used = 0;

  /** Counts nothing yet: call recount() (at start, then periodically). */
  constructor(readonly media: MediaStore) {}

  /** Bytes of the stored files (uploads in progress not counted). */
  get usedBytes(): number {
    return this.used;
  }

  keyOf(sha256: string, kind: IncidentMediaKind): MediaKey {
    return { kind: 'incident', sha256, ext: EXTENSION[kind] };
  }

  async has(sha256: string, kind: IncidentMediaKind): Promise<boolean> {
    return (await this.media.head(this.keyOf(sha256, kind))) !== null;
  }

  /**
   * Stores an upload under its announced hash: the store makes it visible only if the bytes hash to
   * it (MediaHashMismatch otherwise, nothing left). The same content already there is dropped.
   */
  async put(source: MediaSource, sha256: string, kind: IncidentMediaKind, maxBytes: number): Promise<'stored' | 'existed'> {
    const { created, bytes } = await this.media.put(this.keyOf(sha256, kind), source, { maxBytes });
    if (created) this.used += bytes;
    return created ? 'stored' : 'existed';
  }

  /** A file's bytes, whole or a range (MediaNotFound, RangeNotSatisfiable). */
  read(sha256: string, kind: IncidentMediaKind, range?: ByteRange): Promise<MediaRead> {
    return this.media.read(this.keyOf(sha256, kind), range);
  }

  /** Deletes the content's files; answers the bytes freed. */
  async remove(sha256: string): Promise<number> {
    const freed = await Promise.all((Object.keys(EXTENSION) as IncidentMediaKind[]).map((kind) => this.media.delete(this.keyOf(sha256, kind))));
    const bytes = freed.reduce((a, b) => a + b, 0);
    this.used = Math.max(0, this.used - bytes);
    return bytes;
  }

  /** Counts the stored bytes again from the store's listing (one pass; a bucket lists 1,000 objects a request). */
  async recount(): Promise<number> {
    let total = 0;
    for await (const { size } of this.media.list('incident')) total += size;
    this.used = total;
    return total;
  }
}
