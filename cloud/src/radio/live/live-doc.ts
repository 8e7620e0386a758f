import { LIVE_BROADCAST, liveDocSchema, topics, type LiveDoc } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { BrokerLink } from '../../broker/link.js';
import type { LiveStore } from './live-store.js';
import type { LiveSessionView } from './live-types.js';

/** An ended session stays in the document this long, so a box that missed the end (reconnecting) learns of it. */
export const ENDED_KEPT_MS = 60_000;

export const liveEntry = (s: LiveSessionView): LiveDoc['sessions'][number] => ({
  sessionId: s.id,
  source: s.source,
  title: s.title,
  priority: s.priority,
  // absent is the commune's: only the province's sessions name their issuer (boxes before revision 3 ignore it)
  ...(s.issuer === 'province' ? { issuer: 'province' as const } : {}),
  edges: s.edges,
  zones: s.zones,
  epoch: s.epoch,
  streamPath: s.streamPath,
  endedAt: s.endedAt,
  ...(s.endReason ? { endReason: s.endReason } : {}),
});

/**
 * `sc/v1/broadcast/live`, retained: the sessions on air and those ended in the last minute. Published
 * on every start and end, at the cloud's start (the embedded broker forgets retained messages), and
 * once more when an ended session leaves it.
 */
export class LiveDocPublisher {
  private pruneTimer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { store: LiveStore; broker: BrokerLink; logger: Logger; now(): number },
  ) {}

  /** Publishes the current document; calls are serialised so the broker keeps the newest. */
  publish(): Promise<void> {
    const run = this.chain.then(() => this.publishNow());
    this.chain = run.catch(() => {});
    return run;
  }

  stop(): void {
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.pruneTimer = null;
  }

  private async publishNow(): Promise<void> {
    const now = this.deps.now();
    const sessions = await this.deps.store.current(now - ENDED_KEPT_MS);
    const doc = liveDocSchema.parse({ v: 1, sessions: sessions.map(liveEntry) });
    await this.deps.broker.publish(topics.broadcast(LIVE_BROADCAST), JSON.stringify(doc), { qos: 1, retain: true });
    // the next ended session to leave the document
    const leaving = sessions.filter((s) => s.endedAt !== null).map((s) => s.endedAt! + ENDED_KEPT_MS);
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.pruneTimer = null;
    if (leaving.length) {
      this.pruneTimer = setTimeout(() => void this.publish().catch((err: unknown) => this.deps.logger.warn({ err }, 'live document not published')), Math.max(0, Math.min(...leaving) - now) + 10);
      this.pruneTimer.unref();
    }
  }
}
