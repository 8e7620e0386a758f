import type { CameraEvent, CameraStatus, DiscoveredCamera } from '@smart-commune/shared';
import type { Db } from '../db/database.js';

export interface CameraStatusView {
  status: CameraStatus;
  error: string | null;
  attempts: number;
  changedAt: number;
}

export interface DiscoveredCameraView extends DiscoveredCamera {
  firstSeenAt: number;
  lastSeenAt: number;
}

/**
 * A stream that is reconnecting or failed: the camera is offline. Starting and disabled are not: a
 * camera being set up or switched off by a technician is not a camera that went away.
 */
export const isDown = (status: CameraStatus): status is 'reconnecting' | 'failed' => status === 'reconnecting' || status === 'failed';

/** What boxes told about their cameras: each stream's last state change, and the ONVIF devices found on their LAN. */
export class CameraStatusStore {
  constructor(private readonly db: Db) {}

  /**
   * Keeps the newest state: an outbox may deliver an older change after a newer one. Returns the
   * state it replaced (null: none known), or undefined when the event was older than the one stored.
   */
  onCameraEvent(edgeId: string, ts: number, event: CameraEvent): CameraStatus | null | undefined {
    return this.db.transaction(() => {
      const before = this.db.prepare('SELECT status FROM camera_status WHERE edge_id = ? AND camera_id = ?').pluck().get(edgeId, event.cameraId) as CameraStatus | undefined;
      const applied = this.db
        .prepare(
          `INSERT INTO camera_status (edge_id, camera_id, status, error, attempts, changed_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (edge_id, camera_id) DO UPDATE SET status = excluded.status, error = excluded.error,
             attempts = excluded.attempts, changed_at = excluded.changed_at WHERE excluded.changed_at >= camera_status.changed_at`,
        )
        .run(edgeId, event.cameraId, event.status, event.error ?? null, event.attempts, ts).changes;
      return applied ? (before ?? null) : undefined;
    })();
  }

  statuses(edgeId: string): Map<string, CameraStatusView> {
    const rows = this.db
      .prepare('SELECT camera_id, status, error, attempts, changed_at FROM camera_status WHERE edge_id = ?')
      .all(edgeId) as { camera_id: string; status: CameraStatus; error: string | null; attempts: number; changed_at: number }[];
    return new Map(rows.map((r) => [r.camera_id, { status: r.status, error: r.error, attempts: r.attempts, changedAt: r.changed_at }]));
  }

  forget(edgeId: string, cameraId: string): void {
    this.db.prepare('DELETE FROM camera_status WHERE edge_id = ? AND camera_id = ?').run(edgeId, cameraId);
  }

  onDiscovered(edgeId: string, ts: number, devices: readonly DiscoveredCamera[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO discovered_cameras (edge_id, urn, xaddr, name, hardware, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (edge_id, urn) DO UPDATE SET xaddr = excluded.xaddr, name = excluded.name, hardware = excluded.hardware,
         last_seen_at = max(discovered_cameras.last_seen_at, excluded.last_seen_at)`,
    );
    this.db.transaction(() => {
      for (const d of devices) upsert.run(edgeId, d.urn, d.xaddr, d.name ?? null, d.hardware ?? null, ts, ts);
    })();
  }

  discovered(edgeId: string): DiscoveredCameraView[] {
    const rows = this.db
      .prepare('SELECT urn, xaddr, name, hardware, first_seen_at, last_seen_at FROM discovered_cameras WHERE edge_id = ? ORDER BY last_seen_at DESC, urn')
      .all(edgeId) as { urn: string; xaddr: string; name: string | null; hardware: string | null; first_seen_at: number; last_seen_at: number }[];
    return rows.map((r) => ({
      urn: r.urn,
      xaddr: r.xaddr,
      ...(r.name === null ? {} : { name: r.name }),
      ...(r.hardware === null ? {} : { hardware: r.hardware }),
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
    }));
  }
}
