import type { Speaker } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { type DriverOptions, type SpeakerHealth } from './drivers/index.js';
export interface SpeakerState {
    zone: string;
    driver: Speaker['driver'];
    target: string;
    health: SpeakerHealth;
}
/** The edge's speakers by zone: drivers opened and closed as the configuration changes, frames written to zones. */
export declare class SpeakerOutputs {
    private readonly driverOptions;
    private readonly logger;
    private outputs;
    constructor(driverOptions: DriverOptions | undefined, logger: Logger | undefined);
    /** Opens the drivers of new speakers and closes those removed (ending the item on a zone still playing). */
    configure(speakers: readonly Speaker[], playingZones: readonly string[]): Promise<void>;
    zones(): string[];
    /** The zones of an item that exist here (null: all of them). */
    targetZones(zones: readonly string[] | null): string[];
    status(): SpeakerState[];
    /** Polls every speaker's health now (drivers also poll on their own). */
    check(): Promise<void>;
    /** Zones whose every speaker is known offline or muted. */
    unhealthy(zones: readonly string[]): string[];
    /** A zone with the reason it is not heard, for reports. */
    describe(zone: string): string;
    beginItem(zones: readonly string[]): void;
    /** One frame to every speaker of the zones, at the zone's volume times the item's. */
    write(zones: readonly string[], frame: Buffer, itemVolume: number): void;
    endItem(zones: readonly string[]): void;
    close(): Promise<void>;
}
//# sourceMappingURL=speaker-outputs.d.ts.map