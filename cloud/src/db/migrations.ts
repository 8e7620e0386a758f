import type { Migration } from '@smart-commune/shared/runtime';
import { INITIAL_SCHEMA } from './initial-schema.js';
import { schemaV02toV13 } from './migrations/v02-v13.js';
import { schemaV14toV25 } from './migrations/v14-v25.js';
import { schemaV26On } from './migrations/v26-on.js';

/**
 * Cloud schema, one entry per version (index 0 is version 1), kept in files by version range. Append
 * only, at the end of the last file; a shipped version is never edited.
 */
export const cloudMigrations: Migration[] = [INITIAL_SCHEMA, ...schemaV02toV13, ...schemaV14toV25, ...schemaV26On];
