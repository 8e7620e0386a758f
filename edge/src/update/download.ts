import { createHash } from 'node:crypto';
import { createReadStream, existsSync, rmSync, statSync, statfsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Backoff, type BackoffOptions } from '@smart-commune/shared/runtime';
import { deviceAuthorization, type DeviceCredentials } from '../link/device-http.js';

/** Why a download gave up for good (a retry would fail the same way); link cuts are retried instead. */
export class DownloadRefused extends Error {
  override name = 'DownloadRefused';
}

export interface DownloadOptions {
  /** Full URL of the bundle. */
  url: string;
  /** Where the bytes go; a file already there is taken as the start of the same bundle and resumed. */
  file: string;
  bytes: number;
  sha256: string;
  credentials: () => DeviceCredentials;
  /** Free bytes the file system must have, beyond what is left to download, before starting: the unpack needs room too. */
  reserveBytes: number;
  signal: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  backoff?: BackoffOptions;
  /** Test only: how each request's body is read (to cut the link mid-way). */
  fetch?: typeof fetch;
}

/** Free bytes for an unprivileged process on the file system holding `path`. */
export function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), { once: true });
  });

/**
 * Downloads a bundle in the background with the box's own credentials, resuming with HTTP Range after a
 * link cut (however many), never writing more than `bytes`, and refusing to start when the disk lacks room
 * for it and its unpacking. Resolves once the whole file is there with the expected sha256.
 */
export async function downloadBundle(options: DownloadOptions): Promise<void> {
  const { file, bytes, signal } = options;
  const doFetch = options.fetch ?? fetch;
  const have = () => (existsSync(file) ? statSync(file).size : 0);
  if (have() > bytes) throw new DownloadRefused(`${file} is larger than the bundle (${have()} > ${bytes} bytes)`);
  const dir = file.slice(0, file.lastIndexOf('/')) || '.';
  const needed = bytes - have() + options.reserveBytes;
  const free = freeBytes(dir);
  if (free < needed) {
    throw new DownloadRefused(`not enough free disk: ${Math.round(free / 1048576)} MiB free, ${Math.round(needed / 1048576)} MiB needed for the bundle and its unpacking`);
  }
  const backoff = new Backoff(options.backoff ?? { initialMs: 1000, maxMs: 30_000, jitter: 0.2 });
  while (have() < bytes) {
    signal.throwIfAborted();
    const from = have();
    try {
      const res = await doFetch(options.url, {
        headers: { authorization: deviceAuthorization(options.credentials()), ...(from > 0 ? { range: `bytes=${from}-` } : {}) },
        signal,
      });
      if (res.status === 404 || res.status === 401 || res.status === 403) throw new DownloadRefused(`the cloud answered ${res.status} for ${options.url}`);
      if (res.status === 416) throw new DownloadRefused(`the cloud's bundle is shorter than expected (${bytes} bytes)`);
      if (from > 0 && res.status !== 206) throw new Error(`asked for bytes from ${from}, the cloud answered ${res.status}`);
      if (from === 0 && res.status !== 200) throw new Error(`the cloud answered ${res.status}`);
      if (!res.body) throw new Error('the answer has no body');
      const handle = await open(file, from > 0 ? 'a' : 'w');
      let written = from;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          if (written + chunk.byteLength > bytes) throw new DownloadRefused(`the cloud sent more than the bundle's ${bytes} bytes`);
          await handle.write(chunk);
          written += chunk.byteLength;
          backoff.reset(); // progress: the next cut starts its waits from the shortest again
          options.onProgress?.(written, bytes);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (err instanceof DownloadRefused || signal.aborted) throw err;
      // a cut link, a cloud restarting: wait and resume from what is on disk
      await sleep(backoff.next(), signal);
    }
  }
  const sha256 = await sha256Of(file);
  if (sha256 !== options.sha256) {
    rmSync(file, { force: true }); // the next attempt starts afresh
    throw new DownloadRefused(`the downloaded bundle's sha256 ${sha256} differs from the one the cloud announced (${options.sha256})`);
  }
}
