import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { freemem, hostname, loadavg, totalmem, uptime } from 'node:os';
/** Highest reading of the host's thermal zones in °C, or null when it has none (most VMs). */
export function readTemperatureC(root = '/sys/class/thermal') {
    let highest = null;
    let zones;
    try {
        zones = readdirSync(root).filter((name) => name.startsWith('thermal_zone'));
    }
    catch {
        return null;
    }
    for (const zone of zones) {
        try {
            const milli = Number(readFileSync(`${root}/${zone}/temp`, 'utf8').trim());
            const celsius = milli / 1000;
            // broken sensors report absurd values; leave them out rather than invalidate the telemetry
            if (Number.isFinite(celsius) && celsius > -60 && celsius < 200)
                highest = Math.max(highest ?? -Infinity, celsius);
        }
        catch {
            // a zone without a readable sensor
        }
    }
    return highest;
}
export function readDisk(path) {
    const stats = statfsSync(path);
    return { path, totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
}
export function readHost() {
    return {
        hostname: hostname(),
        uptimeS: uptime(),
        load: loadavg(),
        memory: { totalBytes: totalmem(), freeBytes: freemem(), daemonRssBytes: process.memoryUsage.rss() },
    };
}
//# sourceMappingURL=host-metrics.js.map