import { readFileSync } from 'node:fs';

/** The cloud package's version, reported by /healthz and the OpenAPI document. */
export const CLOUD_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
