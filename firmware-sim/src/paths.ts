import { fileURLToPath } from 'node:url';

/** Built entry points of the other packages, resolved from this file so the demo runs from any directory. */
export const CLOUD_CLI = fileURLToPath(new URL('../../cloud/dist/cli.js', import.meta.url));
export const EDGE_CLI = fileURLToPath(new URL('../../edge/dist/cli.js', import.meta.url));
/** `../shared` beside the repository: the models and the test media (read-only, never copied in). */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));
