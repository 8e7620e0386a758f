import { EvidenceItems } from './evidence.js';
import { join } from 'node:path';
import { IncidentStore } from './incident-store.js';
import { EdgeIncidents } from './incidents.js';
import { enforceIncidentRetention } from './retention.js';
import { MediaUploader } from './uploader.js';
export { EdgeIncidents } from './incidents.js';
export { IncidentStore } from './incident-store.js';
const RETENTION_EVERY_MS = 10 * 60_000;
/** Incidents on the box: creation, the upload queue and retention, with one lifecycle. */
export function createEdgeIncidents(options) {
    const logger = options.logger.child({ component: 'incidents' });
    const store = new IncidentStore(options.db);
    const uploader = new MediaUploader({ cloudUrl: options.cloudUrl, credentials: options.credentials, store, logger });
    const itemDeps = { db: options.db, store, outbox: options.outbox, uploader, dir: join(options.dataDir, 'incidents'), logger };
    const incidents = new EdgeIncidents(itemDeps);
    let retention = { maxAgeMs: 30 * 86_400_000, maxBytes: 1_000_000_000 };
    const retentionTimer = setInterval(() => enforceIncidentRetention(store, retention, logger), RETENTION_EVERY_MS);
    retentionTimer.unref();
    return {
        incidents,
        /** Footage asked by time becomes evidence items through the same store, outbox and uploader. */
        evidence: new EvidenceItems(itemDeps),
        store,
        uploader,
        start() {
            const recovered = incidents.recoverInterrupted();
            if (recovered)
                logger.warn({ recovered }, 'items open when the box stopped are reported closed with the clip parts they had');
            incidents.start();
            uploader.start();
        },
        setRetention(limits) {
            retention = limits;
            enforceIncidentRetention(store, retention, logger);
        },
        async stop(clipWaitMs) {
            clearInterval(retentionTimer);
            await incidents.close(clipWaitMs);
            await uploader.stop();
        },
    };
}
//# sourceMappingURL=index.js.map