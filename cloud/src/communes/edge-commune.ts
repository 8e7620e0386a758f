import { z } from '@hono/zod-openapi';
import { hamletCodeSchema } from '@smart-commune/shared';
import type { Expression, ExpressionBuilder, Kysely } from 'kysely';
import type { QueryDatabase } from '../db/query/connect.js';
import type { Database } from '../db/query/tables.js';
import type { Scoped } from './scope.js';

/**
 * The commune of box `edgeId` through its hamlet, as a query of one row (`commune_code`; none for no
 * such box). As a sub-query it stamps a row a box causes (an incident, a footage request) with its
 * commune in the INSERT itself: `commune_code: (eb) => edgeCommuneOf(eb, edgeId)`.
 */
export const edgeCommuneQuery = (db: Kysely<Database> | ExpressionBuilder<Database, never>, edgeId: string | Expression<string>) =>
  db.selectFrom('edges as e').innerJoin('hamlets as h', 'h.code', 'e.hamlet_code').select('h.commune_code').where('e.id', '=', edgeId);

/** The same as a scalar sub-query expression (NULL for a box not placed in a hamlet, or no such box). */
// ExpressionBuilder of whatever tables the outer query has: the sub-query refers to none of them
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const edgeCommuneOf = (eb: ExpressionBuilder<any, any>, edgeId: string | Expression<string>) =>
  edgeCommuneQuery(eb as ExpressionBuilder<Database, never>, edgeId).$asScalar();

/** The commune of box `edgeId`, null when it has no hamlet (or no such box). */
export async function edgeCommune({ db }: Pick<QueryDatabase, 'db'>, edgeId: string): Promise<string | null> {
  return (await edgeCommuneQuery(db, edgeId).executeTakeFirst())?.commune_code ?? null;
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
