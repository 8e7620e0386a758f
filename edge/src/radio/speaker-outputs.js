import { createDriver } from './drivers/index.js';
import { applyGain } from './pcm.js';
const outputKey = (s) => `${s.zone}|${s.driver}|${s.target}|${s.statusUrl ?? ''}`;
/** The edge's speakers by zone: drivers opened and closed as the configuration changes, frames written to zones. */
export class SpeakerOutputs {
    driverOptions;
    logger;
    outputs = [];
    constructor(driverOptions, logger) {
        this.driverOptions = driverOptions;
        this.logger = logger;
    }
    /** Opens the drivers of new speakers and closes those removed (ending the item on a zone still playing). */
    async configure(speakers, playingZones) {
        const wanted = new Map(speakers.map((s) => [outputKey(s), s]));
        const keep = [];
        for (const o of this.outputs) {
            const s = wanted.get(o.key);
            if (s) {
                keep.push({ ...o, speaker: s });
                wanted.delete(o.key);
            }
            else {
                if (playingZones.includes(o.speaker.zone))
                    o.driver.endItem();
                await o.driver.close().catch(() => { });
            }
        }
        for (const [key, speaker] of wanted) {
            const driver = createDriver(speaker, {
                onProblem: (s, message) => this.logger?.warn({ zone: s.zone, target: s.target }, message),
                ...this.driverOptions,
            });
            await driver.open();
            keep.push({ key, speaker, driver });
        }
        this.outputs = keep;
    }
    zones() {
        return [...new Set(this.outputs.map((o) => o.speaker.zone))];
    }
    /** The zones of an item that exist here (null: all of them). */
    targetZones(zones) {
        const all = this.zones();
        return zones === null ? all : zones.filter((z) => all.includes(z));
    }
    status() {
        return this.outputs.map((o) => ({ zone: o.speaker.zone, driver: o.speaker.driver, target: o.speaker.target, health: o.driver.health() }));
    }
    /** Polls every speaker's health now (drivers also poll on their own). */
    async check() {
        await Promise.all(this.outputs.map((o) => o.driver.checkHealth().catch(() => undefined)));
    }
    /** Zones whose every speaker is known offline or muted. */
    unhealthy(zones) {
        return zones.filter((z) => {
            const outs = this.outputs.filter((o) => o.speaker.zone === z);
            return outs.length > 0 && outs.every((o) => ['offline', 'muted'].includes(o.driver.health().state));
        });
    }
    /** A zone with the reason it is not heard, for reports. */
    describe(zone) {
        return `${zone} (${this.outputs.find((o) => o.speaker.zone === zone)?.driver.health().reason ?? 'unhealthy'})`;
    }
    beginItem(zones) {
        for (const o of this.outputs)
            if (zones.includes(o.speaker.zone))
                o.driver.beginItem();
    }
    /** One frame to every speaker of the zones, at the zone's volume times the item's. */
    write(zones, frame, itemVolume) {
        for (const o of this.outputs)
            if (zones.includes(o.speaker.zone))
                o.driver.write(applyGain(frame, o.speaker.volume, itemVolume));
    }
    endItem(zones) {
        for (const o of this.outputs)
            if (zones.includes(o.speaker.zone))
                o.driver.endItem();
    }
    async close() {
        await Promise.all(this.outputs.map((o) => o.driver.close().catch(() => { })));
        this.outputs = [];
    }
}
//# sourceMappingURL=speaker-outputs.js.map