import { FOOTAGE_MAX_PENDING } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { edgeActor, type AuditLog } from '../audit/audit-log.js';
import { edgeCommune } from '../communes/edge-commune.js';
import { assertSees, type Scoped } from '../communes/scope.js';
import type { QueryDatabase } from '../db/query/index.js';
import type { BoxEvent } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Guard } from '../http/access.js';
import { API_PREFIX, type Mount } from '../http/app.js';
import type { Vision } from '../vision/vision.js';
import { createFootageRoutes } from './footage-routes.js';
import { FootageStore, type FootageRequest } from './footage-store.js';

export type Footage = ReturnType<typeof createFootage>;

/**
 * Footage asked for by time (issue 12). A request is stored, then the edge's retained `footage`
 * document lists every request it has still to answer: an offline box finds them when it connects
 * again, and a box that restarts mid-way is sent them again. The box answers on `events/footage`
 * (an evidence item — an incident whose clip is the footage — or what it no longer holds); the
 * request leaves the document then.
 */
export function createFootage(deps: { query: QueryDatabase; fleet: Fleet; vision: Vision; audit: AuditLog; bus: DomainEventBus; logger: Logger }) {
  const { query, fleet, vision, audit, bus, logger } = deps;
  const store = new FootageStore(query);

  /** Publishes the box's `footage` document with what it has still to answer. */
  const publish = async (edgeId: string) => {
    await fleet.documents.set(edgeId, 'footage', { requests: await store.waiting(edgeId, FOOTAGE_MAX_PENDING) });
  };

  const onAnswer = async ({ edgeId, body }: BoxEvent<'footage'>) => {
    if (!(await store.answer(edgeId, body))) return; // resent, or not this edge's request
    await audit.record({
      actor: edgeActor(edgeId),
      action: 'footage.answered',
      target: `footage:${body.requestId}`,
      details: { outcome: body.outcome, incidentId: body.incidentId, missing: body.missing, error: body.error ?? null },
    });
    logger.info({ edgeId, requestId: body.requestId, outcome: body.outcome, incidentId: body.incidentId }, 'footage request answered');
    await publish(edgeId);
  };
  const unsubscribe = bus.subscribe('edge.event.footage', onAnswer, 'footage');

  return {
    store,
    /**
     * Stores a request and sends it to the box (now, or when it connects again). `by` may ask only a
     * camera of their commune: another commune's box answers 404 like one that does not exist.
     */
    async request(input: { edgeId: string; cameraId: string; fromMs: number; toMs: number; reason: string; requestedBy: string | null }, by: Scoped): Promise<FootageRequest> {
      await fleet.edges.get(input.edgeId);
      assertSees(by, await edgeCommune(query, input.edgeId), `edge ${input.edgeId}`, { provinceItems: false });
      await vision.settings.camera(input.edgeId, input.cameraId); // 404 naming the camera when the box has none of that id
      const request = await store.create(input);
      await publish(input.edgeId);
      return request;
    },
    routes(guard: Guard): Mount[] {
      return [{ prefix: API_PREFIX, app: createFootageRoutes({ guard, audit, footage: this, edges: fleet.edges }) }];
    },
    async stop() {
      await unsubscribe();
    },
  };
}
