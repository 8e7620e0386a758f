import { describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { DomainEventBus } from '../events/event-bus.js';
import { createCloudMetrics } from '../metrics.js';
import { ActiveEdges } from './active-edges.js';

describe('the active-box answers ingest asks for every message', () => {
  const setup = () => {
    const status = new Map<string, boolean>([['edg_a', true], ['edg_b', false]]);
    const asked: string[] = [];
    const bus = new DomainEventBus({ logger: silentLogger(), handlerErrors: createCloudMetrics().domainEventErrors });
    const active = new ActiveEdges(async (edgeId) => (asked.push(edgeId), status.get(edgeId) ?? false), bus, 1000);
    return { status, asked, bus, active };
  };

  it('reads the database once for a burst of one box’s messages, and again once the answer is old', async () => {
    const { asked, active } = setup();
    const t = 1_000_000;
    for (let i = 0; i < 4; i++) expect(await active.isActive('edg_a', t + i)).toBe(true);
    expect(asked).toEqual(['edg_a']);
    expect(await active.isActive('edg_a', t + 1001)).toBe(true);
    expect(asked).toEqual(['edg_a', 'edg_a']);
  });

  it('never keeps an inactive answer: a box claimed a moment later is active at its next message', async () => {
    const { status, asked, active } = setup();
    expect(await active.isActive('edg_b', 1)).toBe(false);
    status.set('edg_b', true);
    expect(await active.isActive('edg_b', 2)).toBe(true);
    expect(asked).toEqual(['edg_b', 'edg_b']);
  });

  it('forgets a box revoked or deleted in this process at once', async () => {
    const { status, bus, active } = setup();
    const t = Date.now();
    expect(await active.isActive('edg_a', t)).toBe(true);
    status.set('edg_a', false);
    bus.publish('edge.revoked', { edgeId: 'edg_a', at: t, reason: 'revoked' });
    await bus.settled();
    expect(await active.isActive('edg_a', t + 1)).toBe(false);
    status.set('edg_a', true);
    expect(await active.isActive('edg_a', t + 2)).toBe(true);
    status.set('edg_a', false);
    bus.publish('edge.deleted', { edgeId: 'edg_a', at: t });
    await bus.settled();
    expect(await active.isActive('edg_a', t + 3)).toBe(false);
    await active.stop();
  });
});
