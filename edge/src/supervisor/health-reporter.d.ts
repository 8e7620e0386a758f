import type { CameraTelemetry, SpeakerTelemetry } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { type SupervisedContext } from './daemon-side.js';
import { type HealthReport } from './protocol.js';
/** What the daemon knows about itself, asked at each health write. */
export interface HealthSources {
    connected(): boolean;
    unappliedDocuments(): {
        doc: string;
        error: string;
    }[];
    speakers(): SpeakerTelemetry[];
    cameras(): CameraTelemetry[];
}
/** The health facts from the daemon's parts: a muted loudspeaker is reachable; a disabled camera does not count. */
export declare function healthFacts(sources: HealthSources): Omit<HealthReport, 'format' | 'version' | 'pid' | 'at' | 'startedAt'>;
/**
 * Writes supervisor/health-<version>.json every HEALTH_EVERY_MS (and at once when asked, e.g. on
 * connecting), so the supervisor can confirm a new version as soon as it is healthy.
 */
export declare function startHealthReporter(ctx: SupervisedContext, sources: HealthSources, startedAt: number, logger: Logger, everyMs?: number): {
    writeNow(): void;
    stop(): void;
};
//# sourceMappingURL=health-reporter.d.ts.map