import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { newId, type IncidentEvent, type MediaFile } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Db } from '../db/database.js';
import type { Outbox } from '../outbox/outbox.js';
import type { IncidentStore } from './incident-store.js';
import type { MediaUploader } from './uploader.js';

/** What a rule caught, with the picture it was decided on (valid only until `open` resolves). */
export interface IncidentHit extends Omit<IncidentEvent, 'incidentId' | 'endedAt' | 'snapshot' | 'clip'> {
  snapshot: (outPath: string) => Promise<MediaFile>;
}

/** Writes the clip of [fromMs, toMs] from the camera's recording; resolves once post-capture is on disk. */
export type ClipWriter = (fromMs: number, toMs: number, outPath: string) => Promise<MediaFile & { durationMs: number; startMs: number }>;

export interface ClipPlan {
  write: ClipWriter;
  preCaptureSeconds: number;
  postCaptureSeconds: number;
}

/**
 * Turns rule hits into incidents: the snapshot at once and the metadata into the outbox in one
 * transaction, then the clip after post-capture and the metadata again. Media goes to the uploader.
 */
export class EdgeIncidents {
  private readonly clips = new Set<Promise<void>>();
  /** After close, clips that finish late are left 'recording' for recoverInterrupted at the next start. */
  private closed = false;

  constructor(private readonly deps: { db: Db; store: IncidentStore; outbox: Outbox; uploader: MediaUploader; dir: string; logger: Logger }) {}

  private get store(): IncidentStore {
    return this.deps.store;
  }

  /** Incidents whose post-capture a stop or crash cut short are reported as they are, without a clip. */
  recoverInterrupted(): number {
    const interrupted = this.store.recording();
    for (const incident of interrupted) this.finish(incident.body, null, 'the box stopped before post-capture ended');
    return interrupted.length;
  }

  async open(hit: IncidentHit, clip: ClipPlan | null): Promise<IncidentEvent> {
    const incidentId = newId('inc', 16);
    const dir = this.dayDir(hit.detectedAt);
    const snapshotPath = join(dir, `${incidentId}.jpg`);
    const { snapshot: render, ...facts } = hit;
    const snapshot = await render(snapshotPath).catch((err: Error) => {
      this.deps.logger.error({ err, incidentId }, 'incident snapshot could not be written');
      return null;
    });
    const body: IncidentEvent = { ...facts, incidentId, endedAt: clip ? null : hit.detectedAt, snapshot, clip: null };
    this.deps.db.transaction(() => {
      this.store.insert(body, snapshot ? snapshotPath : null, clip ? 'recording' : 'none');
      this.deps.outbox.add('incident', body, hit.detectedAt);
    })();
    this.deps.uploader.wake();
    this.deps.logger.info({ incidentId, camera: hit.cameraId, rule: hit.ruleId, label: hit.label }, 'incident');
    if (clip) this.track(this.recordClip(body, clip, join(dir, `${incidentId}.mp4`)));
    return body;
  }

  /** Waits for clips still in post-capture, at most `timeoutMs`; the rest are recovered at the next start. */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.clips), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
  }

  private async recordClip(body: IncidentEvent, plan: ClipPlan, path: string): Promise<void> {
    try {
      const clip = await plan.write(body.detectedAt - plan.preCaptureSeconds * 1000, body.detectedAt + plan.postCaptureSeconds * 1000, path);
      const { startMs, ...file } = clip;
      this.finish({ ...body, clip: file, endedAt: startMs + file.durationMs }, path);
    } catch (err) {
      this.finish({ ...body, endedAt: body.detectedAt }, null, (err as Error).message);
    }
  }

  private finish(body: IncidentEvent, clipPath: string | null, whyNoClip?: string): void {
    if (this.closed) return;
    if (whyNoClip) this.deps.logger.warn({ incidentId: body.incidentId, reason: whyNoClip }, 'incident has no clip');
    this.deps.db.transaction(() => {
      this.store.finishClip(body.incidentId, body, clipPath);
      this.deps.outbox.add('incident', body);
    })();
    this.deps.uploader.wake();
  }

  private track(work: Promise<void>): void {
    this.clips.add(work);
    void work.finally(() => this.clips.delete(work));
  }

  private dayDir(timeMs: number): string {
    const dir = join(this.deps.dir, new Date(timeMs).toISOString().slice(0, 10));
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}
