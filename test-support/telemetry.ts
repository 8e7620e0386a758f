import type { Telemetry } from '@smart-commune/shared';

/** Telemetry as a box sends it (valid against shared's schema), stamped now: for tests that need some, whatever it says. */
export const testTelemetry = (): Telemetry => ({
  ts: Date.now(),
  hostname: 'tu-ap-1',
  softwareVersion: '0.1.0',
  protocolVersion: 1,
  intervalS: 10,
  uptimeS: { host: 100, daemon: 10 },
  load: [0, 0, 0],
  memory: { totalBytes: 1_000_000, freeBytes: 500_000, daemonRssBytes: 50_000 },
  disk: { path: '/data', totalBytes: 1_000_000, freeBytes: 900_000 },
  temperatureC: null,
  clock: null,
  mqtt: { reconnects: 0, outboxPending: 0 },
});
