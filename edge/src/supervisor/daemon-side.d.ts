import { type EdgeHomeLayout } from './layout.js';
import { SWITCH_EXIT_CODE, type HealthReport, type LastFailure, type SwitchRequest } from './protocol.js';
/** The daemon's half of the supervisor protocol: health, switch request, last failure. */
export interface SupervisedContext {
    layout: EdgeHomeLayout;
    /** The release version the supervisor started. */
    release: string;
    /** Whether that version is on trial right now. */
    trial: boolean;
}
/** Non-null when the daemon was started by the supervisor (SC_EDGE_HOME and SC_EDGE_RELEASE set). */
export declare function supervisedContext(env?: Record<string, string | undefined>): SupervisedContext | null;
/** Writes this version's health file; `facts` are what the daemon sees now. */
export declare function writeHealth(ctx: SupervisedContext, facts: Omit<HealthReport, 'format' | 'version' | 'pid' | 'at'>, now?: number): HealthReport;
export declare function readHealth(layout: EdgeHomeLayout, version: string): HealthReport | null;
/**
 * Asks the supervisor to switch to `version` (already unpacked and verified in releases/<version>).
 * The caller then stops cleanly and exits with SWITCH_EXIT_CODE; the request alone does nothing
 * until the daemon exits, so a daemon that dies first simply restarts and may ask again.
 */
export declare function requestSwitch(layout: EdgeHomeLayout, request: {
    version: string;
    rolloutId: string | null;
}, now?: number): SwitchRequest;
export { SWITCH_EXIT_CODE };
/** The last failed switch not yet reported to the cloud, or null. */
export declare function unreportedFailure(layout: EdgeHomeLayout): LastFailure | null;
/** Marks the failure reported (after the cloud acknowledged it), keeping it on disk for `sc-edge status`. */
export declare function markFailureReported(layout: EdgeHomeLayout, failure: LastFailure, now?: number): void;
//# sourceMappingURL=daemon-side.d.ts.map