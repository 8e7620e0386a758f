import { type FootageBody } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { EvidenceItems } from '../incidents/evidence.js';
import type { Outbox } from '../outbox/outbox.js';
import type { SegmentRecorder } from '../vision/recording/segment-recorder.js';
export interface EdgeFootageDeps {
    db: Db;
    outbox: Pick<Outbox, 'add'>;
    evidence: Pick<EvidenceItems, 'record'>;
    /** The camera's live recorder, when it records now (to wait for a range that ends in the future). */
    recorderOf(cameraId: string): SegmentRecorder | null;
    /** Where the camera's segments are on disk (its ring, or day directories when it records 24/7). */
    recordingDir(cameraId: string): string;
    logger: Logger;
}
/**
 * Answers footage requests (the `footage` document): each range is cut from what the box holds with
 * writeClip (no re-encoding), becomes an evidence item through the incidents path (the clip hashed
 * here, uploaded and verified like any incident clip), and `events/footage` tells the cloud which
 * item it is, or which part of the range the box does not hold. A request is answered once: the
 * answer is stored, so the document sent again (reconnect, restart) does not cut it twice.
 */
export declare class EdgeFootage {
    private readonly deps;
    private readonly answeredStmt;
    private readonly markStmt;
    private readonly busy;
    private queue;
    constructor(deps: EdgeFootageDeps);
    /** Takes the document's requests; the work goes on in the background, one request after the other. */
    apply(body: FootageBody): void;
    /** Resolves when the requests taken so far are answered. */
    settled(): Promise<void>;
    private answer;
    private send;
}
//# sourceMappingURL=footage.d.ts.map