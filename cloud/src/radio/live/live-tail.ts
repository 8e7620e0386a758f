import { open } from 'node:fs/promises';

/**
 * The growing recording of a session on air, for its readers (the boxes' streams): how many bytes
 * are on disk, whether more will come, and a wake-up when they do.
 */
export class LiveTail {
  private waiters: Array<() => void> = [];
  bytes = 0;
  ended = false;
  readers = 0;

  grow(bytes: number): void {
    this.bytes = bytes;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Resolves when the file grows past `offset`, the session ends, or `timeoutMs` passes. */
  wait(offset: number, timeoutMs: number): Promise<void> {
    if (this.bytes > offset || this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      }, timeoutMs);
      this.waiters.push(done);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

const CHUNK = 64 * 1024;

/**
 * The file from `start`, following `tail` until it ends (a finished recording has a tail that
 * ended). Each pull sends what is on disk, or waits for more: a box gets every Ogg page as soon as
 * the encoder wrote it. `onClose` runs once, whether the stream ended or the box went away.
 */
export function tailStream(file: string, tail: LiveTail, start: number, onClose: () => void): ReadableStream<Uint8Array> {
  let offset = start;
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    onClose();
    await handle?.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        handle ??= await open(file, 'r');
        for (;;) {
          if (closed) return;
          if (tail.bytes > offset) {
            const buf = Buffer.allocUnsafe(Math.min(CHUNK, tail.bytes - offset));
            const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
            if (bytesRead > 0) {
              offset += bytesRead;
              controller.enqueue(new Uint8Array(buf.buffer, buf.byteOffset, bytesRead));
              return;
            }
          }
          if (tail.ended && offset >= tail.bytes) {
            controller.close();
            await close();
            return;
          }
          await tail.wait(offset, 15_000);
        }
      } catch (err) {
        controller.error(err);
        await close();
      }
    },
    async cancel() {
      await close();
    },
  });
}
