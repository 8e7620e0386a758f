import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PRIVATE_FILE } from '../private-files.js';
import { MediaTooLarge, type MediaSource } from './media-store.js';

function sourceStream(source: MediaSource): Readable {
  if (source instanceof Uint8Array) return Readable.from([source]);
  if ('file' in source) return createReadStream(source.file);
  return Readable.from(source);
}

/**
 * Writes `source` to a new private `file`, hashing it on the way and stopping as soon as it passes
 * `maxBytes` (a client cannot fill the disk by lying about a size); synced before this returns, so
 * a rename after it survives a power cut. The file is removed if anything fails.
 */
export async function spoolToFile(source: MediaSource, file: string, maxBytes: number): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const count = async function* (chunks: AsyncIterable<Uint8Array>) {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new MediaTooLarge(maxBytes);
      hash.update(chunk);
      yield chunk;
    }
  };
  try {
    await pipeline(sourceStream(source), count, createWriteStream(file, { flags: 'wx', mode: PRIVATE_FILE }));
    const handle = await open(file, 'r');
    await handle.sync().finally(() => handle.close());
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Removes `*.part` files in `dir` last written more than `olderThanMs` ago: uploads a crash cut
 * short. Younger ones are left, since another cloud process may be writing them now. Answers how
 * many were removed; a missing folder has none.
 */
export async function removeStaleParts(dir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  let removed = 0;
  for (const name of names.filter((n) => n.endsWith('.part'))) {
    const file = join(dir, name);
    const written = await stat(file).then((s) => s.mtimeMs, () => null);
    if (written !== null && now - written > olderThanMs) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
