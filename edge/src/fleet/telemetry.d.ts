import { type CameraTelemetry, type SpeakerTelemetry, type Telemetry } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { MqttLink } from '../link/mqtt-link.js';
import type { ClockSync } from './clock-sync.js';
export interface TelemetrySources {
    edgeId: string;
    dataDir: string;
    startedAt: number;
    clock: ClockSync;
    link: MqttLink;
    outboxPending(): number;
    /** Each camera's stream; empty on a box without cameras. */
    cameras(): CameraTelemetry[];
    /** Where the live view answers on the LAN; empty when it is off. */
    liveViewUrls(): string[];
    /** Each loudspeaker output's health (the cloud tells technicians when one goes offline); empty without loudspeakers. */
    speakers?(): SpeakerTelemetry[];
}
/**
 * The player's speaker outputs as telemetry, one entry per zone (a zone with two outputs is as bad
 * as the worse of them), the reason bounded to the contract's 300 characters.
 */
export declare function speakerTelemetry(outputs: readonly {
    zone: string;
    health: {
        state: SpeakerTelemetry['state'];
        reason: string | null;
    };
}[]): SpeakerTelemetry[];
export declare function collectTelemetry(sources: TelemetrySources, intervalS: number): Telemetry;
/** Sends telemetry (QoS 0, the heartbeat) every interval while connected; the interval can change live. */
export declare class TelemetryReporter {
    private readonly sources;
    private intervalS;
    private readonly logger;
    private timer;
    constructor(sources: TelemetrySources, intervalS: number, logger: Logger);
    start(): void;
    setInterval(intervalS: number): void;
    send(): void;
    stop(): void;
    private schedule;
}
//# sourceMappingURL=telemetry.d.ts.map