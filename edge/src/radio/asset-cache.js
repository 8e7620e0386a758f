import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync, unlinkSync, renameSync, utimesSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { deviceAuthorization } from '../link/device-http.js';
/** A download whose content does not hash to its name: the file is deleted. */
export class AssetIntegrityError extends Error {
    name = 'AssetIntegrityError';
}
const SHA = /^[a-f0-9]{64}$/;
/**
 * Content-addressed audio on the box's disk. Downloads resume from a partial file (Range), are
 * verified against their sha256, and the cache stays under its size cap by evicting the least
 * recently used files, never one the current plan needs (pinned) nor one being downloaded.
 */
export class AssetCache {
    options;
    maxBytes;
    pinned = new Set();
    inFlight = new Map();
    constructor(options) {
        this.options = options;
        this.maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
        mkdirSync(options.dir, { recursive: true });
    }
    get dir() {
        return this.options.dir;
    }
    setMaxBytes(bytes) {
        this.maxBytes = bytes;
        this.evict(0);
    }
    /** The assets the current plan needs: never evicted. Replaces the previous set. */
    pin(sha256s) {
        this.pinned = new Set(sha256s);
    }
    has(sha256) {
        return SHA.test(sha256) && existsSync(this.finalPath(sha256));
    }
    /** Path of the complete, verified file; null when it is not (yet) cached. Marks it recently used. */
    path(sha256) {
        if (!this.has(sha256))
            return null;
        const p = this.finalPath(sha256);
        const now = new Date();
        try {
            utimesSync(p, now, now);
        }
        catch {
            /* evicted meanwhile */
        }
        return p;
    }
    /** Bytes on disk, partial downloads included. */
    usage() {
        let bytes = 0;
        let files = 0;
        for (const f of this.listFiles()) {
            bytes += f.size;
            files++;
        }
        return { bytes, files };
    }
    /** Re-hashes a cached file; a corrupt one is deleted. */
    async verify(sha256) {
        const p = this.finalPath(sha256);
        if (!existsSync(p))
            return false;
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(p))
            hash.update(chunk);
        if (hash.digest('hex') === sha256)
            return true;
        this.options.logger?.warn({ sha256 }, 'cached asset corrupt; deleted');
        safeUnlink(p);
        return false;
    }
    /** The asset's path, downloading it first when needed. Concurrent calls share one download. */
    fetch(asset) {
        const existing = this.path(asset.sha256);
        if (existing)
            return Promise.resolve(existing);
        let running = this.inFlight.get(asset.sha256);
        if (!running) {
            running = this.download(asset).finally(() => this.inFlight.delete(asset.sha256));
            this.inFlight.set(asset.sha256, running);
        }
        return running;
    }
    /** Downloads what is missing, one at a time in the given order (the plan's order: soonest first). */
    async prefetch(assets) {
        const result = { cached: [], failed: [] };
        const seen = new Set();
        for (const asset of assets) {
            if (seen.has(asset.sha256))
                continue;
            seen.add(asset.sha256);
            try {
                await this.fetch(asset);
                result.cached.push(asset.sha256);
            }
            catch (err) {
                result.failed.push({ sha256: asset.sha256, error: err.message });
            }
        }
        return result;
    }
    finalPath(sha256) {
        return join(this.options.dir, sha256);
    }
    partPath(sha256) {
        return join(this.options.dir, `${sha256}.part`);
    }
    listFiles() {
        const out = [];
        for (const name of readdirSync(this.options.dir)) {
            const partial = name.endsWith('.part');
            const sha256 = partial ? name.slice(0, -5) : name;
            if (!SHA.test(sha256))
                continue;
            try {
                const st = statSync(join(this.options.dir, name));
                out.push({ name, sha256, partial, size: st.size, mtimeMs: st.mtimeMs });
            }
            catch {
                /* removed meanwhile */
            }
        }
        return out;
    }
    /** Deletes least recently used files (partial ones first) until `incoming` more bytes fit under the cap. */
    evict(incoming) {
        const files = this.listFiles();
        let total = files.reduce((sum, f) => sum + f.size, 0);
        if (total + incoming <= this.maxBytes)
            return;
        const candidates = files
            .filter((f) => !this.pinned.has(f.sha256) && !this.inFlight.has(f.sha256))
            .sort((a, b) => Number(b.partial) - Number(a.partial) || a.mtimeMs - b.mtimeMs);
        for (const f of candidates) {
            if (total + incoming <= this.maxBytes)
                break;
            safeUnlink(join(this.options.dir, f.name));
            total -= f.size;
            this.options.logger?.debug({ sha256: f.sha256, bytes: f.size }, 'asset evicted from the cache');
        }
        if (total + incoming > this.maxBytes) {
            this.options.logger?.warn({ total, incoming, maxBytes: this.maxBytes }, 'audio cache over its cap: the planned assets alone exceed it');
        }
    }
    async download(asset) {
        const { sha256 } = asset;
        if (!SHA.test(sha256))
            throw new Error(`not a sha256: ${sha256}`);
        const part = this.partPath(sha256);
        let offset = existsSync(part) ? statSync(part).size : 0;
        if (offset >= asset.bytes) {
            safeUnlink(part); // complete yet never verified, or longer than announced: start over
            offset = 0;
        }
        this.evict(asset.bytes - offset);
        const url = new URL(`/api/v1/assets/${sha256}`, this.options.cloudUrl);
        const headers = { authorization: deviceAuthorization(this.options.credentials()) };
        if (offset > 0)
            headers.range = `bytes=${offset}-`;
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
            if (res.status === 200)
                offset = 0; // the server ignored the range: take the whole body
            else if (res.status === 206) {
                const start = /bytes\s+(\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
                if (Number(start) !== offset) {
                    await res.body?.cancel();
                    safeUnlink(part);
                    throw new Error(`asset ${sha256}: resumed at byte ${start ?? '?'} instead of ${offset}`);
                }
            }
            else {
                await res.body?.cancel();
                throw new Error(`asset ${sha256}: HTTP ${res.status} from ${url.origin}`);
            }
            if (!res.body)
                throw new Error(`asset ${sha256}: empty answer`);
            const hash = createHash('sha256');
            if (offset > 0)
                for await (const chunk of createReadStream(part, { end: offset - 1 }))
                    hash.update(chunk);
            const file = await open(part, offset > 0 ? 'a' : 'w');
            let size = offset;
            try {
                for await (const chunk of res.body) {
                    resetIdle();
                    size += chunk.length;
                    if (size > asset.bytes)
                        throw new AssetIntegrityError(`asset ${sha256}: more than the announced ${asset.bytes} bytes`);
                    hash.update(chunk);
                    await file.write(chunk);
                }
            }
            finally {
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
        }
        catch (err) {
            if (err instanceof AssetIntegrityError)
                safeUnlink(part);
            throw err;
        }
        finally {
            clearTimeout(idle);
        }
    }
}
function safeUnlink(path) {
    try {
        unlinkSync(path);
    }
    catch {
        /* already gone */
    }
}
//# sourceMappingURL=asset-cache.js.map