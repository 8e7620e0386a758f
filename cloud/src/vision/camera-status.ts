import type { CameraEvent, CameraStatus, DiscoveredCamera } from '@smart-commune/shared';
import { fromExcluded, greatest, type QueryDatabase } from '../db/query/index.js';

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

/**
 * What boxes told about their cameras: each stream's last state change, and the ONVIF devices found
 * on their LAN. One set of queries for SQLite and PostgreSQL (the query layer).
 */
export class CameraStatusStore {
  constructor(private readonly q: QueryDatabase) {}

  /**
   * Keeps the newest state: an outbox may deliver an older change after a newer one. Returns the
   * state it replaced (null: none known), or undefined when the event was older than the one stored.
   * The upsert's own condition decides which change wins (one statement, so two processes handling
   * two changes of one camera cannot both overwrite); the read before it only tells what was replaced.
   */
  async onCameraEvent(edgeId: string, ts: number, event: CameraEvent): Promise<CameraStatus | null | undefined> {
    return this.q.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('camera_status')
        .select('status')
        .where('edge_id', '=', edgeId)
        .where('camera_id', '=', event.cameraId)
        .executeTakeFirst();
      const applied = await trx
        .insertInto('camera_status')
        .values({ edge_id: edgeId, camera_id: event.cameraId, status: event.status, error: event.error ?? null, attempts: event.attempts, changed_at: ts })
        .onConflict((oc) =>
          oc
            .columns(['edge_id', 'camera_id'])
            .doUpdateSet(fromExcluded(['status', 'error', 'attempts', 'changed_at']))
            .where('excluded.changed_at', '>=', (eb) => eb.ref('camera_status.changed_at')),
        )
        .returning('camera_id')
        .executeTakeFirst();
      return applied ? ((before?.status as CameraStatus | undefined) ?? null) : undefined;
    });
  }

  async statuses(edgeId: string): Promise<Map<string, CameraStatusView>> {
    const rows = await this.q.db.selectFrom('camera_status').select(['camera_id', 'status', 'error', 'attempts', 'changed_at']).where('edge_id', '=', edgeId).execute();
    return new Map(rows.map((r) => [r.camera_id, { status: r.status as CameraStatus, error: r.error, attempts: r.attempts, changedAt: r.changed_at }]));
  }

  async forget(edgeId: string, cameraId: string): Promise<void> {
    await this.q.db.deleteFrom('camera_status').where('edge_id', '=', edgeId).where('camera_id', '=', cameraId).execute();
  }

  /** Records a discovery's devices in one multi-row upsert; a device seen again keeps when it was first seen. */
  async onDiscovered(edgeId: string, ts: number, devices: readonly DiscoveredCamera[]): Promise<void> {
    if (devices.length === 0) return;
    const { db, dialect } = this.q;
    await db
      .insertInto('discovered_cameras')
      .values(devices.map((d) => ({ edge_id: edgeId, urn: d.urn, xaddr: d.xaddr, name: d.name ?? null, hardware: d.hardware ?? null, first_seen_at: ts, last_seen_at: ts })))
      .onConflict((oc) =>
        oc.columns(['edge_id', 'urn']).doUpdateSet((eb) => ({
          ...fromExcluded(['xaddr', 'name', 'hardware']),
          last_seen_at: greatest(dialect, eb.ref('discovered_cameras.last_seen_at'), eb.ref('excluded.last_seen_at')),
        })),
      )
      .execute();
  }

  async discovered(edgeId: string): Promise<DiscoveredCameraView[]> {
    const rows = await this.q.db
      .selectFrom('discovered_cameras')
      .select(['urn', 'xaddr', 'name', 'hardware', 'first_seen_at', 'last_seen_at'])
      .where('edge_id', '=', edgeId)
      .orderBy('last_seen_at', 'desc')
      .orderBy('urn')
      .execute();
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
