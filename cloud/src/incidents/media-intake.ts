import { incidentMediaKinds, sha256Schema, type IncidentMediaKind, type IncidentMediaRef } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { edgeActor, type AuditLog } from '../audit/audit-log.js';
import { isDiskFull } from '../disk-full.js';
import { ApiError } from '../http/errors.js';
import type { CloudMetrics } from '../metrics.js';
import type { IncidentStore } from './incident-store.js';
import type { MediaBudget } from './media-budget.js';
import type { MediaFiles } from './media-files.js';
import { MediaHashMismatch, MediaTooLarge } from '../storage/media-store.js';
import { checkedUpload, UploadRefused } from './checked-upload.js';

export interface MediaUpload {
  edgeId: string;
  incidentId: string;
  kind: IncidentMediaKind;
  /** An object's picture or a clip part; absent for the item's own snapshot and clip. */
  ref?: IncidentMediaRef;
  /** The `x-content-sha256` header: what the edge computed when it wrote the file. */
  claimedSha256: string | undefined;
  contentType: string | undefined;
  contentLength: number | undefined;
  body: ReadableStream<Uint8Array> | null;
  ip: string | null;
}

export interface MediaIntakeDeps {
  store: IncidentStore;
  files: MediaFiles;
  budget: MediaBudget;
  audit: AuditLog;
  metrics: CloudMetrics;
  logger: Logger;
  maxBytes: Record<IncidentMediaKind, number>;
}

const describeRef = ({ kind, ref }: MediaUpload) =>
  ref === undefined ? kind : 'trackId' in ref ? `picture of object ${ref.trackId}` : `clip part ${ref.part}`;

export type IntakeResult = { outcome: 'stored' | 'already_received'; sha256: string; bytes: number };

/**
 * Receives incident files from edges. A file is kept only when its bytes hash to what the edge
 * announced in the incident's metadata and in the upload's header; every refusal is logged,
 * counted and written to the audit log. "Metadata not here yet" is a 409 the edge retries, not a refusal;
 * so is "no room" (507: the byte budget holds only protected items, or the disk is full), after
 * which the box keeps its file and tries again later. Nothing else of the cloud stops for a full disk.
 */
export class MediaIntake {
  constructor(private readonly deps: MediaIntakeDeps) {}

  async receive(upload: MediaUpload): Promise<IntakeResult> {
    const { store, files } = this.deps;
    const { kind } = upload;
    const claimed = sha256Schema.safeParse(upload.claimedSha256?.trim().toLowerCase());
    if (!claimed.success) throw await this.refuse(upload, 400, 'bad_hash_header', 'the x-content-sha256 header must be the lower-case hex sha256 of the body');
    const incident = await store.get(upload.incidentId);
    if (incident && incident.edgeId !== upload.edgeId) throw await this.refuse(upload, 403, 'foreign_incident', `incident ${upload.incidentId} belongs to another edge`);
    const announced = incident ? await store.announced(upload.incidentId, kind, upload.ref) : null;
    if (!announced) throw this.pending(upload);
    if (announced.receivedAt !== null && claimed.data === announced.sha256) return { outcome: 'already_received', sha256: announced.sha256, bytes: announced.bytes };
    if (claimed.data !== announced.sha256) {
      throw await this.refuse(upload, 422, 'hash_mismatch', `the header's sha256 differs from the ${kind} hash in the incident's metadata`, { claimed: claimed.data, announced: announced.sha256 });
    }
    const contentType = upload.contentType?.split(';')[0]?.trim().toLowerCase();
    if (contentType && contentType !== incidentMediaKinds[kind] && contentType !== 'application/octet-stream') {
      throw await this.refuse(upload, 415, 'wrong_content_type', `a ${kind} must be sent as ${incidentMediaKinds[kind]}, not ${contentType}`);
    }
    const maxBytes = this.deps.maxBytes[kind];
    if (announced.bytes > maxBytes || (upload.contentLength ?? 0) > maxBytes) {
      throw await this.refuse(upload, 413, 'too_large', `a ${kind} may have at most ${maxBytes} bytes`, { announcedBytes: announced.bytes });
    }

    const release = await this.deps.budget.reserve(announced.bytes);
    if (!release) {
      const { budgetBytes, usedBytes } = this.deps.budget.state();
      throw this.noRoom(
        upload,
        'storage_full',
        announced.bytes > budgetBytes
          ? `the ${kind} (${announced.bytes} bytes) is larger than the cloud's whole incident media budget (${budgetBytes} bytes); retry once it is raised`
          : `the cloud's incident media budget is full (${usedBytes} of ${budgetBytes} bytes, only confirmed, held or in-review items left); retry later`,
      );
    }
    // the body streams into the media store: checked on the way (checked-upload.ts), verified against
    // the announced hash by the store, visible only then; nothing is left of a refused upload
    try {
      await files.put(checkedUpload(upload.body, kind, announced.bytes, maxBytes), announced.sha256, kind, maxBytes);
    } catch (err) {
      if (err instanceof UploadRefused) throw await this.refuse(upload, err.status, err.code, err.message, err.code === 'size_mismatch' ? { announcedBytes: announced.bytes } : {});
      if (err instanceof MediaTooLarge) throw await this.refuse(upload, 413, 'too_large', err.message);
      if (err instanceof MediaHashMismatch) {
        throw await this.refuse(upload, 422, 'hash_mismatch', `the body's sha256 is not the one the edge announced for the ${kind}`, { computed: err.actual, announced: announced.sha256 });
      }
      if (isDiskFull(err)) throw this.noRoom(upload, 'disk_full', `the cloud's disk is full (${(err as Error).message}); retry later`);
      throw err;
    } finally {
      release(); // stored bytes now count as used
      this.deps.budget.changed();
    }
    await store.markReceived(upload.incidentId, kind, announced.sha256);
    this.deps.metrics.incidentMediaStored.inc({ kind });
    await this.deps.audit.record({
      actor: edgeActor(upload.edgeId),
      action: 'incident.media_received',
      target: `incident:${upload.incidentId}`,
      details: { kind, ...upload.ref, sha256: announced.sha256, bytes: announced.bytes },
      ip: upload.ip,
    });
    return { outcome: 'stored', sha256: announced.sha256, bytes: announced.bytes };
  }

  private pending(upload: MediaUpload): ApiError {
    this.deps.metrics.incidentMediaRejected.inc({ kind: upload.kind, reason: 'metadata_pending' });
    this.deps.logger.debug({ edgeId: upload.edgeId, incidentId: upload.incidentId, kind: upload.kind, ...upload.ref }, 'incident media before its metadata; the edge will retry');
    return new ApiError(409, 'metadata_pending', `the cloud has not received the metadata of the ${describeRef(upload)} of incident ${upload.incidentId} yet; retry later`);
  }

  /** No room now: a 507 the edge retries (it keeps the file); logged and counted, not audited per attempt. */
  private noRoom(upload: MediaUpload, code: 'storage_full' | 'disk_full', message: string): ApiError {
    this.deps.metrics.incidentMediaRejected.inc({ kind: upload.kind, reason: code });
    this.deps.logger.warn({ edgeId: upload.edgeId, incidentId: upload.incidentId, kind: upload.kind, reason: code }, `incident media deferred: ${message}`);
    return new ApiError(507, code, message);
  }

  private async refuse(upload: MediaUpload, status: 400 | 403 | 413 | 415 | 422, code: string, message: string, facts: Record<string, unknown> = {}): Promise<ApiError> {
    const { edgeId, incidentId, kind, ref } = upload;
    this.deps.metrics.incidentMediaRejected.inc({ kind, reason: code });
    this.deps.logger.warn({ edgeId, incidentId, kind, reason: code, ...facts }, `incident media refused: ${message}`);
    await this.deps.audit.record({
      actor: edgeActor(edgeId),
      action: 'incident.media_refused',
      target: `incident:${incidentId}`,
      details: { kind, ...ref, reason: code, status, ...facts },
      ip: upload.ip,
    });
    return new ApiError(status, code, message);
  }
}
