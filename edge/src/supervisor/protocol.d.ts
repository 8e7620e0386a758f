import { z } from 'zod';
/**
 * The supervisor protocol: what the supervisor and the daemon it runs tell each other through files
 * under SC_EDGE_HOME/supervisor (see layout.ts). Every file is written with writeJsonDurable.
 *
 * - The supervisor runs `node releases/<current>/<entry> run` with the env below.
 * - The daemon writes `health-<version>.json` every HEALTH_EVERY_MS (writeHealth in health.ts).
 * - To switch, the daemon (its update module) unpacks `releases/<v>`, writes `switch-request.json`
 *   (requestSwitch in switch.ts) and exits with SWITCH_EXIT_CODE. The supervisor starts <v> on trial;
 *   <v> must be judged healthy (judgeHealth) within the health timeout, and must not exit
 *   crashLimit times; otherwise the supervisor goes back to the previous version by itself and writes
 *   `last-failure.json`, which the previous version's daemon reports to the cloud when it starts.
 */
/** Exit code of a daemon that asks for a switch (EX_TEMPFAIL): any other exit is a crash or a stop. */
export declare const SWITCH_EXIT_CODE = 75;
/** How often a daemon rewrites its health file. */
export declare const HEALTH_EVERY_MS = 5000;
/** Environment the supervisor gives the daemon it starts. */
export declare const SUPERVISOR_ENV: {
    /** The box's home (layout.ts); its presence tells the daemon it runs under the supervisor. */
    readonly home: "SC_EDGE_HOME";
    /** The release version the supervisor started: the name of the health file to write. */
    readonly release: "SC_EDGE_RELEASE";
    /** "1" while the version is on trial (not yet confirmed healthy). */
    readonly trial: "SC_EDGE_TRIAL";
};
export declare const trialSchema: z.ZodObject<{
    version: z.ZodString;
    from: z.ZodString;
    rolloutId: z.ZodNullable<z.ZodString>;
    requestedAt: z.ZodNumber;
    startedAt: z.ZodNumber;
    crashes: z.ZodNumber;
}, z.core.$strip>;
export type Trial = z.infer<typeof trialSchema>;
/** `state.json`: the one file that says which version runs. */
export declare const supervisorStateSchema: z.ZodObject<{
    format: z.ZodLiteral<1>;
    current: z.ZodString;
    previous: z.ZodNullable<z.ZodString>;
    trial: z.ZodNullable<z.ZodObject<{
        version: z.ZodString;
        from: z.ZodString;
        rolloutId: z.ZodNullable<z.ZodString>;
        requestedAt: z.ZodNumber;
        startedAt: z.ZodNumber;
        crashes: z.ZodNumber;
    }, z.core.$strip>>;
    updatedAt: z.ZodNumber;
}, z.core.$strip>;
export type SupervisorState = z.infer<typeof supervisorStateSchema>;
/** `switch-request.json`, written by the running daemon before it exits with SWITCH_EXIT_CODE. */
export declare const switchRequestSchema: z.ZodObject<{
    version: z.ZodString;
    requestedAt: z.ZodNumber;
    rolloutId: z.ZodNullable<z.ZodString>;
}, z.core.$strip>;
export type SwitchRequest = z.infer<typeof switchRequestSchema>;
/** `health-<version>.json`: facts a daemon states about itself; the supervisor judges them (judgeHealth). */
export declare const healthReportSchema: z.ZodObject<{
    format: z.ZodLiteral<1>;
    version: z.ZodString;
    pid: z.ZodNumber;
    startedAt: z.ZodNumber;
    at: z.ZodNumber;
    connected: z.ZodBoolean;
    documentsApplied: z.ZodBoolean;
    loudspeakers: z.ZodObject<{
        total: z.ZodNumber;
        reachable: z.ZodNumber;
    }, z.core.$strip>;
    cameras: z.ZodObject<{
        total: z.ZodNumber;
        streaming: z.ZodNumber;
    }, z.core.$strip>;
    notes: z.ZodDefault<z.ZodArray<z.ZodString>>;
}, z.core.$strip>;
export type HealthReport = z.infer<typeof healthReportSchema>;
export declare const FAILURE_REASONS: readonly ["health_timeout", "crash_loop", "interrupted", "invalid_release", "current_unusable"];
export type FailureReason = (typeof FAILURE_REASONS)[number];
/** `last-failure.json`: the last switch that did not stick. */
export declare const lastFailureSchema: z.ZodObject<{
    format: z.ZodLiteral<1>;
    version: z.ZodString;
    from: z.ZodString;
    rolloutId: z.ZodNullable<z.ZodString>;
    reason: z.ZodEnum<{
        interrupted: "interrupted";
        health_timeout: "health_timeout";
        crash_loop: "crash_loop";
        invalid_release: "invalid_release";
        current_unusable: "current_unusable";
    }>;
    detail: z.ZodString;
    at: z.ZodNumber;
    logTail: z.ZodArray<z.ZodString>;
    reportedAt: z.ZodNullable<z.ZodNumber>;
}, z.core.$strip>;
export type LastFailure = z.infer<typeof lastFailureSchema>;
/** `child.json`: the daemon process the supervisor started, so a restarted supervisor can stop an orphan. */
export declare const childRecordSchema: z.ZodObject<{
    pid: z.ZodNumber;
    version: z.ZodString;
    startedAt: z.ZodNumber;
}, z.core.$strip>;
export type ChildRecord = z.infer<typeof childRecordSchema>;
export interface HealthVerdict {
    healthy: boolean;
    /** What is missing, in words for the failure report. */
    unmet: string[];
}
/**
 * Is a version on trial healthy? Its report must be from this trial (written after `since`) and say:
 * connected, documents applied, and as many loudspeakers reachable and cameras streaming as the
 * previous version had (`baseline`, its last health file) or, without a baseline, all of them. A
 * check the previous version itself failed (no link, a dead loudspeaker) is not held against the new one.
 */
export declare function judgeHealth(report: HealthReport | null, baseline: HealthReport | null, since: number): HealthVerdict;
//# sourceMappingURL=protocol.d.ts.map