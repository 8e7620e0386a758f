import type { Migration } from '@smart-commune/shared/runtime';
/** Edge schema, one entry per version. Append only. */
export declare const edgeMigrations: Migration[];
//# sourceMappingURL=migrations.d.ts.map