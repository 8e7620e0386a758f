import { readFileSync } from 'node:fs';

/** The edge package's version, reported in telemetry and lifecycle events. */
export const EDGE_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
