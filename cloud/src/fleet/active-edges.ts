import type { DomainEventBus } from '../events/event-bus.js';

/** How long an "active" answer is kept: a box's connect sends four messages at once, its telemetry one every interval. */
const ACTIVE_FOR_MS = 10_000;

/**
 * Whether a box is active, asked for every message it sends (ingest): one database read per message
 * was the largest share of a connect storm's queries (four per box at once). An "active" answer is
 * kept ACTIVE_FOR_MS; a revocation or deletion made in this process forgets it at once
 * (`edge.revoked`, `edge.deleted`). One made in another process reaches the broker at once instead
 * (Mosquitto's account disabled and the box dropped, fleet/account-gate), so a box revoked there sends
 * nothing more; what may still be taken within the interval is a message it sent before.
 * An "inactive" answer is never kept: a box just claimed is active at its first message.
 */
export class ActiveEdges {
  private readonly activeUntil = new Map<string, number>();
  private readonly unsubscribes: (() => void | Promise<void>)[];

  constructor(
    private readonly lookup: (edgeId: string) => Promise<boolean>,
    bus: DomainEventBus,
    private readonly activeForMs = ACTIVE_FOR_MS,
  ) {
    const forget = ({ edgeId }: { edgeId: string }) => void this.activeUntil.delete(edgeId);
    this.unsubscribes = [bus.subscribe('edge.revoked', forget, 'fleet'), bus.subscribe('edge.deleted', forget, 'fleet')];
  }

  async isActive(edgeId: string, now = Date.now()): Promise<boolean> {
    if ((this.activeUntil.get(edgeId) ?? 0) > now) return true;
    const active = await this.lookup(edgeId);
    if (active) this.activeUntil.set(edgeId, now + this.activeForMs);
    else this.activeUntil.delete(edgeId);
    return active;
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribes) await unsubscribe();
  }
}
