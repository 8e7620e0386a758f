import type { CameraTelemetry, SpeakerTelemetry } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { writeHealth, type SupervisedContext } from './daemon-side.js';
import { HEALTH_EVERY_MS, type HealthReport } from './protocol.js';

/** What the daemon knows about itself, asked at each health write. */
export interface HealthSources {
  connected(): boolean;
  unappliedDocuments(): { doc: string; error: string }[];
  speakers(): SpeakerTelemetry[];
  cameras(): CameraTelemetry[];
}

/** The health facts from the daemon's parts: a muted loudspeaker is reachable; a disabled camera does not count. */
export function healthFacts(sources: HealthSources): Omit<HealthReport, 'format' | 'version' | 'pid' | 'at' | 'startedAt'> {
  const speakers = sources.speakers();
  const cameras = sources.cameras().filter((c) => c.status !== 'disabled');
  const unapplied = sources.unappliedDocuments();
  const notes = [
    ...unapplied.map((u) => `document ${u.doc} not applied: ${u.error}`),
    ...speakers.filter((s) => s.state !== 'ok' && s.state !== 'muted').map((s) => `loudspeaker ${s.zone} ${s.state}${s.reason ? `: ${s.reason}` : ''}`),
  ].map((n) => n.slice(0, 300)).slice(0, 20);
  return {
    connected: sources.connected(),
    documentsApplied: unapplied.length === 0,
    loudspeakers: { total: speakers.length, reachable: speakers.filter((s) => s.state === 'ok' || s.state === 'muted').length },
    cameras: { total: cameras.length, streaming: cameras.filter((c) => c.status === 'streaming').length },
    notes,
  };
}

/**
 * Writes supervisor/health-<version>.json every HEALTH_EVERY_MS (and at once when asked, e.g. on
 * connecting), so the supervisor can confirm a new version as soon as it is healthy.
 */
export function startHealthReporter(ctx: SupervisedContext, sources: HealthSources, startedAt: number, logger: Logger, everyMs = HEALTH_EVERY_MS): { writeNow(): void; stop(): void } {
  let failedOnce = false;
  const writeNow = () => {
    try {
      writeHealth(ctx, { startedAt, ...healthFacts(sources) });
    } catch (err) {
      if (!failedOnce) logger.error({ err: (err as Error).message }, 'health file not written; the supervisor may judge this version unhealthy');
      failedOnce = true;
    }
  };
  writeNow();
  const timer = setInterval(writeNow, everyMs);
  timer.unref();
  return { writeNow, stop: () => clearInterval(timer) };
}
