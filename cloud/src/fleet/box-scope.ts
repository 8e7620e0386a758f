import type { MiddlewareHandler } from 'hono';
import { sees, type Scoped } from '../communes/scope.js';
import type { AppEnv } from '../http/env.js';
import { notFound } from '../http/errors.js';
import type { EdgeFilter } from './edge-store.js';

/** What the scope check needs of the boxes: the commune of one (undefined: no such box). */
export interface BoxCommunes {
  find(id: string): Promise<{ communeCode: string } | null>;
}

/** Whether the person sees this box (null: none): a box is never the province's own, it always has a commune, which is theirs or not. */
export const seesBox = (person: Scoped, box: { communeCode: string } | null): boolean => box !== null && sees(person, box.communeCode, { provinceItems: false });

/**
 * A box belongs to the commune of its hamlet; a commune's people reach only their commune's boxes
 * and everything under them (cameras, loudspeakers, claim tokens, commands, logs, doctor). Passed to
 * `apiRoute()` after the guard on every route with a box's `{id}` in its path: another commune's box
 * answers the same 404 as a box that does not exist (`edge <id>`, the store's own words, given here
 * for both), before the route does anything. A box's own credentials never reach here (device
 * routes do not take it).
 */
export function boxInScope(boxes: BoxCommunes): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user');
    const id = c.req.param('id');
    if (user && id) {
      // no such box gets the very same answer here, so that no route's own wording can tell them apart
      if (!seesBox(user, await boxes.find(id))) throw notFound(`edge ${id}`);
    }
    await next();
  };
}

/** The list filter that keeps a person to the boxes they see: their commune's, or every box for a province-level person. */
export const boxFilterOf = (person: Scoped): Pick<EdgeFilter, 'communeCode'> => (person.communeCode === null ? {} : { communeCode: person.communeCode });
