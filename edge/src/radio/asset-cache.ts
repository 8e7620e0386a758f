import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync, unlinkSync, renameSync, utimesSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioAsset } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { deviceAuthorization, type DeviceCredentials } from '../link/device-http.js';

export interface AssetCacheOptions {
  /** Directory of the cache, e.g. `{dataDir}/radio/assets`; created when missing. */
  dir: string;
  /** Base URL of the cloud: assets are `GET {cloudUrl}/api/v1/assets/{sha256}`. */
  cloudUrl: string;
  /** HTTP Basic credentials, read at each request (they may be rotated). */
  credentials: () => DeviceCredentials;
  /** Size cap (RadioSettings.cacheBytes); changeable with setMaxBytes(). */
  maxBytes?: number;
  /** A download that receives nothing for this long is aborted (its partial file stays for a resume). */
  idleTimeoutMs?: number;
  logger?: Logger;
}

/** A download whose content does not hash to its name: the file is deleted. */
export class AssetIntegrityError extends Error {
  override name = 'AssetIntegrityError';
}

export interface PrefetchResult {
  cached: string[];
  failed: Array<{ sha256: string; error: string }>;
}

const SHA = /^[a-f0-9]{64}$/;

/**
 * Content-addressed audio on the box's disk. Downloads resume from a partial file (Range), are
 * verified against their sha256, and the cache stays under its size cap by evicting the least
 * recently used files, never one the current plan needs (pinned) nor one being downloaded.
 */
export class AssetCache {
  private maxBytes: number;
  private pinned = new Set<string>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(private readonly options: AssetCacheOptions) {
    this.maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
    mkdirSync(options.dir, { recursive: true });
  }

  get dir(): string {
    return this.options.dir;
  }

  setMaxBytes(bytes: number): void {
    this.maxBytes = bytes;
    this.evict(0);
  }

  /** The assets the current plan needs: never evicted. Replaces the previous set. */
  pin(sha256s: Iterable<string>): void {
    this.pinned = new Set(sha256s);
  }

  has(sha256: string): boolean {
    return SHA.test(sha256) && existsSync(this.finalPath(sha256));
  }

  /** Path of the complete, verified file; null when it is not (yet) cached. Marks it recently used. */
  path(sha256: string): string | null {
    if (!this.has(sha256)) return null;
    const p = this.finalPath(sha256);
    const now = new Date();
    try {
      utimesSync(p, now, now);
    } catch {
      /* evicted meanwhile */
    }
    return p;
  }

  /** Bytes on disk, partial downloads included. */
  usage(): { bytes: number; files: number } {
    let bytes = 0;
    let files = 0;
    for (const f of this.listFiles()) {
      bytes += f.size;
      files++;
    }
    return { bytes, files };
  }

  /** Re-hashes a cached file; a corrupt one is deleted. */
  async verify(sha256: string): Promise<boolean> {
    const p = this.finalPath(sha256);
    if (!existsSync(p)) return false;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(p)) hash.update(chunk as Buffer);
    if (hash.digest('hex') === sha256) return true;
    this.options.logger?.warn({ sha256 }, 'cached asset corrupt; deleted');
    safeUnlink(p);
    return false;
  }

  /** The asset's path, downloading it first when needed. Concurrent calls share one download. */
  fetch(asset: Pick<AudioAsset, 'sha256' | 'bytes'>): Promise<string> {
    const existing = this.path(asset.sha256);
    if (existing) return Promise.resolve(existing);
    let running = this.inFlight.get(asset.sha256);
    if (!running) {
      running = this.download(asset).finally(() => this.inFlight.delete(asset.sha256));
      this.inFlight.set(asset.sha256, running);
    }
    return running;
  }

  /** Downloads what is missing, one at a time in the given order (the plan's order: soonest first). */
  async prefetch(assets: Iterable<Pick<AudioAsset, 'sha256' | 'bytes'>>): Promise<PrefetchResult> {
    const result: PrefetchResult = { cached: [], failed: [] };
    const seen = new Set<string>();
    for (const asset of assets) {
      if (seen.has(asset.sha256)) continue;
      seen.add(asset.sha256);
      try {
        await this.fetch(asset);
        result.cached.push(asset.sha256);
      } catch (err) {
        result.failed.push({ sha256: asset.sha256, error: (err as Error).message });
      }
    }
    return result;
  }

  private finalPath(sha256: string): string {
    return join(this.options.dir, sha256);
  }

  private partPath(sha256: string): string {
    return join(this.options.dir, `${sha256}.part`);
  }

  private listFiles(): Array<{ name: string; sha256: string; partial: boolean; size: number; mtimeMs: number }> {
    const out = [];
    for (const name of readdirSync(this.options.dir)) {
      const partial = name.endsWith('.part');
      const sha256 = partial ? name.slice(0, -5) : name;
      if (!SHA.test(sha256)) continue;
      try {
        const st = statSync(join(this.options.dir, name));
        out.push({ name, sha256, partial, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        /* removed meanwhile */
      }
    }
    return out;
  }

  /** Deletes least recently used files (partial ones first) until `incoming` more bytes fit under the cap. */
  private evict(incoming: number): void {
    const files = this.listFiles();
    let total = files.reduce((sum, f) => sum + f.size, 0);
    if (total + incoming <= this.maxBytes) return;
    const candidates = files
      .filter((f) => !this.pinned.has(f.sha256) && !this.inFlight.has(f.sha256))
      .sort((a, b) => Number(b.partial) - Number(a.partial) || a.mtimeMs - b.mtimeMs);
    for (const f of candidates) {
      if (total + incoming <= this.maxBytes) break;
      safeUnlink(join(this.options.dir, f.name));
      total -= f.size;
      this.options.logger?.debug({ sha256: f.sha256, bytes: f.size }, 'asset evicted from the cache');
    }
    if (total + incoming > this.maxBytes) {
      this.options.logger?.warn({ total, incoming, maxBytes: this.maxBytes }, 'audio cache over its cap: the planned assets alone exceed it');
    }
  }

  private async download(asset: Pick<AudioAsset, 'sha256' | 'bytes'>): Promise<string> {
    const { sha256 } = asset;
    if (!SHA.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    const part = this.partPath(sha256);
    let offset = existsSync(part) ? statSync(part).size : 0;
    if (offset >= asset.bytes) {
      safeUnlink(part); // complete yet never verified, or longer than announced: start over
      offset = 0;
    }
    this.evict(asset.bytes - offset);

    const url = new URL(`/api/v1/assets/${sha256}`, this.options.cloudUrl);
    const headers: Record<string, string> = { authorization: deviceAuthorization(this.options.credentials()) };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const abort = new AbortController();
    const idleMs = this.options.idleTimeoutMs ?? 30_000;
    let idle = setTimeout(() => abort.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
    };
    try {
      const res = await fetch(url, { headers, signal: abort.signal });
      if (res.status === 416) {
        await res.body?.cancel();
        safeUnlink(part);
        throw new Error(`asset ${sha256}: the cloud refused the resume range; restarting from zero next time`);
      }
      if (res.status === 200) offset = 0; // the server ignored the range: take the whole body
      else if (res.status === 206) {
        const start = /bytes\s+(\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
        if (Number(start) !== offset) {
          await res.body?.cancel();
          safeUnlink(part);
          throw new Error(`asset ${sha256}: resumed at byte ${start ?? '?'} instead of ${offset}`);
        }
      } else {
        await res.body?.cancel();
        throw new Error(`asset ${sha256}: HTTP ${res.status} from ${url.origin}`);
      }
      if (!res.body) throw new Error(`asset ${sha256}: empty answer`);

      const hash = createHash('sha256');
      if (offset > 0) for await (const chunk of createReadStream(part, { end: offset - 1 })) hash.update(chunk as Buffer);
      const file = await open(part, offset > 0 ? 'a' : 'w');
      let size = offset;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          resetIdle();
          size += chunk.length;
          if (size > asset.bytes) throw new AssetIntegrityError(`asset ${sha256}: more than the announced ${asset.bytes} bytes`);
          hash.update(chunk);
          await file.write(chunk);
        }
      } finally {
        await file.close();
      }
      const digest = hash.digest('hex');
      if (digest !== sha256) {
        safeUnlink(part);
        throw new AssetIntegrityError(`asset ${sha256}: content hashes to ${digest}; deleted`);
      }
      const final = this.finalPath(sha256);
      renameSync(part, final);
      this.options.logger?.info({ sha256, bytes: size, resumedAt: offset || undefined }, 'asset cached');
      this.evict(0);
      return final;
    } catch (err) {
      if (err instanceof AssetIntegrityError) safeUnlink(part);
      throw err;
    } finally {
      clearTimeout(idle);
    }
  }
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
