import { PROTOCOL_VERSION, type Telemetry } from '../../../../shared/src/index.js';
import { INTERVAL_S } from './common.js';

export const offlinePayload = () => Buffer.from(JSON.stringify({ state: 'offline', ts: Date.now() }));

/** A telemetry payload as the real edge builds it (edge/src/fleet/telemetry.ts), with fixed host figures. */
export function makeTelemetry(edgeId: string, startedAt: number, reconnects: number): Telemetry {
  const now = Date.now();
  return {
    ts: now,
    hostname: `sc-${edgeId.replace(/_/g, '-')}`,
    softwareVersion: '0.1.0-bench',
    protocolVersion: PROTOCOL_VERSION,
    intervalS: INTERVAL_S,
    uptimeS: { host: 86_400 + (now - startedAt) / 1000, daemon: (now - startedAt) / 1000 },
    load: [0.21, 0.17, 0.12],
    memory: { totalBytes: 4_124_000_256, freeBytes: 2_850_000_000, daemonRssBytes: 61_000_000 },
    disk: { path: '/var/lib/sc-edge', totalBytes: 31_000_000_000, freeBytes: 24_000_000_000 },
    temperatureC: 47.5,
    clock: { offsetMs: 1.4, roundTripMs: 38, measuredAt: startedAt },
    mqtt: { reconnects, outboxPending: 0 },
  };
}
