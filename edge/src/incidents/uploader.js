import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CONTENT_SHA256_HEADER, incidentMediaKinds, incidentMediaPath } from '@smart-commune/shared';
import { Backoff } from '@smart-commune/shared/runtime';
import { deviceAuthorization } from '../link/device-http.js';
/**
 * A file sent before its item's metadata reached the cloud (409) is tried again this soon. The upload
 * starts as the item is stored and races its event through the broker, so it often arrives first:
 * the wait is the snapshot's delay in the police queue, hence short (a 409 costs one small request).
 */
const METADATA_RETRY_MS = 250;
/** Refusals that time mends: metadata not arrived yet (409), credentials being rotated (401), too fast (429). */
const RETRYABLE = new Set([401, 409, 429]);
/**
 * Sends incident media to the cloud over HTTP with the box's credentials, oldest first, from the
 * store's queue: a failure is retried with backoff (the metadata may not have arrived yet: 409),
 * a file the cloud refuses for good (altered: 422, too large, not a JPEG/MP4) is given up and logged. Survives restarts: the queue is SQLite.
 */
export class MediaUploader {
    options;
    timer = null;
    running = null;
    backoff = new Backoff({ initialMs: 2000, maxMs: 300_000, jitter: 0.2 });
    constructor(options) {
        this.options = options;
    }
    start() {
        this.timer = setInterval(() => this.wake(), this.options.intervalMs ?? 5000);
        this.timer.unref();
        this.retryNow();
    }
    /** The link came back (or the box started): deferred uploads go now, not when their backoff ends. */
    retryNow() {
        this.options.store.retryAllNow();
        this.backoff.reset();
        this.wake();
    }
    /** Looks at the queue now (after a new file, or when the link comes back); nothing once stopped. */
    wake() {
        if (this.timer === null)
            return;
        this.running ??= this.drain().finally(() => (this.running = null));
    }
    /** Looks at the queue again in `ms`, after the drain in progress if there is one (it may have passed the file by). */
    wakeSoon(ms) {
        setTimeout(() => (this.running ? void this.running.then(() => this.wake()) : this.wake()), ms).unref();
    }
    async stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
        await this.running;
    }
    async drain() {
        for (;;) {
            if (this.timer === null)
                return;
            const batch = this.options.store.pendingUploads(Date.now());
            if (batch.length === 0)
                return;
            for (const upload of batch) {
                if ((await this.upload(upload)) === 'retry')
                    return; // the cloud or the link is not ready: wait for the next wake
            }
        }
    }
    async upload(upload) {
        const { store, logger } = this.options;
        const { incidentId, kind, ref } = upload;
        try {
            // streamed, not read into memory: footage asked by time can be hundreds of megabytes
            const { size } = await stat(upload.path);
            const res = await fetch(new URL(incidentMediaPath(incidentId, kind, ref), this.options.cloudUrl), {
                method: 'PUT',
                headers: {
                    authorization: deviceAuthorization(this.options.credentials()),
                    'content-type': incidentMediaKinds[kind],
                    'content-length': String(size),
                    [CONTENT_SHA256_HEADER]: upload.file.sha256,
                },
                body: Readable.toWeb(createReadStream(upload.path)),
                duplex: 'half',
                // two minutes, plus the time the file takes at 100 kB/s (a slow rural uplink)
                signal: AbortSignal.timeout(120_000 + Math.ceil(size / 100)),
            });
            const reply = await res.text();
            if (res.ok) {
                store.markUploaded(incidentId, kind, Date.now(), ref);
                this.backoff.reset();
                logger.info({ incidentId, kind, ...ref, bytes: size }, 'incident media uploaded');
                return 'uploaded';
            }
            if (res.status === 409) {
                // the item's event is still on its way through the outbox (a part is written and uploaded at
                // once): try again in a moment, without growing the backoff meant for a cloud that is down
                store.deferUpload(incidentId, reply.slice(0, 300), Date.now() + METADATA_RETRY_MS, ref);
                this.wakeSoon(METADATA_RETRY_MS);
                return 'later';
            }
            if (res.status >= 400 && res.status < 500 && !RETRYABLE.has(res.status)) {
                store.abandonUpload(incidentId, kind, reply.slice(0, 500), ref);
                logger.error({ incidentId, kind, ...ref, status: res.status, reply: reply.slice(0, 500) }, 'the cloud refused incident media for good; it will not be sent again');
                return 'refused';
            }
            throw new Error(`HTTP ${res.status}: ${reply.slice(0, 300)}`);
        }
        catch (err) {
            const message = err.message;
            if (err.code === 'ENOENT') {
                store.abandonUpload(incidentId, kind, 'the file is gone from the box', ref);
                logger.error({ incidentId, kind, path: upload.path }, 'incident media missing on disk');
                return 'refused';
            }
            const delayMs = this.backoff.next();
            store.deferUpload(incidentId, message, Date.now() + delayMs, ref);
            logger.warn({ incidentId, kind, ...ref, err: message, retryInMs: delayMs }, 'incident media upload failed; will retry');
            return 'retry';
        }
    }
}
//# sourceMappingURL=uploader.js.map