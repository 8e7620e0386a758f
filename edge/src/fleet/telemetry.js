import { PROTOCOL_VERSION, topics } from '@smart-commune/shared';
import { childProcessCounts } from '../child-processes.js';
import { EDGE_VERSION } from '../version.js';
import { readDisk, readHost, readTemperatureC } from './host-metrics.js';
/** Worst first: a zone is as bad as its worst output. */
const SEVERITY = { offline: 3, muted: 2, unknown: 1, ok: 0 };
/**
 * The player's speaker outputs as telemetry, one entry per zone (a zone with two outputs is as bad
 * as the worse of them), the reason bounded to the contract's 300 characters.
 */
export function speakerTelemetry(outputs) {
    const byZone = new Map();
    for (const { zone, health } of outputs) {
        const known = byZone.get(zone);
        if (known && SEVERITY[known.state] >= SEVERITY[health.state])
            continue;
        byZone.set(zone, { zone, state: health.state, reason: health.reason === null ? null : health.reason.slice(0, 300) });
    }
    return [...byZone.values()];
}
export function collectTelemetry(sources, intervalS) {
    const host = readHost();
    const clock = sources.clock.current();
    const cameras = sources.cameras();
    const liveViewUrls = sources.liveViewUrls();
    const speakers = sources.speakers?.() ?? [];
    return {
        ts: Date.now(),
        hostname: host.hostname,
        softwareVersion: EDGE_VERSION,
        protocolVersion: PROTOCOL_VERSION,
        intervalS,
        uptimeS: { host: host.uptimeS, daemon: (Date.now() - sources.startedAt) / 1000 },
        load: host.load,
        memory: host.memory,
        disk: readDisk(sources.dataDir),
        temperatureC: readTemperatureC(),
        clock: clock ? { offsetMs: clock.offsetMs, roundTripMs: clock.roundTripMs, measuredAt: clock.measuredAt } : null,
        mqtt: { reconnects: sources.link.reconnects, outboxPending: sources.outboxPending() },
        ...(liveViewUrls.length ? { liveView: { urls: liveViewUrls } } : {}),
        ...(cameras.length ? { cameras } : {}),
        ...(speakers.length ? { speakers } : {}),
        childProcesses: childProcessCounts(),
    };
}
/** Sends telemetry (QoS 0, the heartbeat) every interval while connected; the interval can change live. */
export class TelemetryReporter {
    sources;
    intervalS;
    logger;
    timer = null;
    constructor(sources, intervalS, logger) {
        this.sources = sources;
        this.intervalS = intervalS;
        this.logger = logger;
        sources.link.on('connected', () => this.send());
    }
    start() {
        this.schedule();
    }
    setInterval(intervalS) {
        if (intervalS === this.intervalS)
            return;
        this.intervalS = intervalS;
        this.schedule();
    }
    send() {
        if (!this.sources.link.connected)
            return;
        const telemetry = collectTelemetry(this.sources, this.intervalS);
        this.sources.link.publish(topics.telemetry(this.sources.edgeId), JSON.stringify(telemetry), { qos: 0 }).catch((err) => {
            this.logger.debug({ err: err.message }, 'telemetry not sent');
        });
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
    }
    schedule() {
        this.stop();
        this.timer = setInterval(() => this.send(), this.intervalS * 1000);
    }
}
//# sourceMappingURL=telemetry.js.map