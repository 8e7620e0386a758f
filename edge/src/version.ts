import { readFileSync } from 'node:fs';

const packageVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const release = process.env.SC_EDGE_RELEASE;

/**
 * The edge's version, reported in telemetry and lifecycle events: the release the supervisor started
 * (SC_EDGE_RELEASE, the name of its releases/<version> directory) when it runs under one, else the
 * package's. A bundle's manifest and its package.json agree; a development checkout has no release.
 */
export const EDGE_VERSION: string = release && /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(release) ? release : packageVersion;
