import { z } from '@hono/zod-openapi';
import { hamletCodeSchema } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
import type { Scoped } from './scope.js';

/**
 * The commune a box belongs to, through its hamlet, as an SQL expression over a parameter named
 * `@edgeId`-style by the caller: what a row a box causes (an incident, a footage request) is stamped
 * with when it is written. NULL for a box not placed in a hamlet yet (only the province sees it).
 */
export const edgeCommuneSql = (edgeIdParam: string) =>
  `(SELECT h.commune_code FROM edges e JOIN hamlets h ON h.code = e.hamlet_code WHERE e.id = ${edgeIdParam})`;

/** The commune of box `edgeId`, null when it has no hamlet (or no such box). */
export function edgeCommune(db: Db, edgeId: string): string | null {
  return (db.prepare(`SELECT ${edgeCommuneSql('?')}`).pluck().get(edgeId) as string | null | undefined) ?? null;
}

/** The `commune` query filter a province-level person may give (a commune's people are held to theirs). */
export const communeQueryParam = z
  .string()
  .pipe(hamletCodeSchema)
  .optional()
  .openapi({ description: "Only this commune's items (province-level people; a commune's people always see only their own)", example: 'vi-tan' });

/**
 * The commune a list is held to: a commune's person always their own commune (whatever they asked
 * for, so another commune's code shows them nothing of it), a province-level person the commune
 * they chose or every one (undefined).
 */
export const listCommune = (person: Scoped, asked: string | undefined): string | undefined => person.communeCode ?? asked;
