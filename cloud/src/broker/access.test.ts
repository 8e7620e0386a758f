import { describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { mayPublish, mayRetain, maySubscribe, type ClientIdentity } from './access.js';

const edge: ClientIdentity = { kind: 'edge', edgeId: 'edg_a1' };
const service: ClientIdentity = { kind: 'service' };
const own = 'sc/v1/edges/edg_a1';

describe('mayPublish for an edge', () => {
  it('allows what the edge reports inside its own subtree', () => {
    for (const topic of [
      topics.availability('edg_a1'),
      topics.telemetry('edg_a1'),
      topics.reported('edg_a1', 'config'),
      topics.res('edg_a1', 'ping'),
      topics.event('edg_a1', 'lifecycle'),
    ]) {
      expect(mayPublish(edge, topic), topic).toBe(true);
    }
  });

  it('refuses desired documents and requests, which only the cloud writes', () => {
    expect(mayPublish(edge, topics.desired('edg_a1', 'config'))).toBe(false);
    expect(mayPublish(edge, topics.req('edg_a1', 'ping'))).toBe(false);
    expect(mayPublish(edge, topics.req('edg_a1', 'rotate-credentials'))).toBe(false);
  });

  it('refuses another edge, the broadcast tree, the root and anything outside sc/', () => {
    expect(mayPublish(edge, topics.telemetry('edg_b2'))).toBe(false);
    // an edge id that starts like this one is another edge
    expect(mayPublish(edge, topics.telemetry('edg_a10'))).toBe(false);
    expect(mayPublish(edge, topics.broadcast('announcement'))).toBe(false);
    expect(mayPublish(edge, own)).toBe(false);
    expect(mayPublish(edge, 'sc/v1/edges')).toBe(false);
    expect(mayPublish(edge, 'other/edg_a1/telemetry')).toBe(false);
  });

  it('refuses topics inside its subtree that the contract does not define', () => {
    for (const topic of [
      `${own}/events/audit/x/y`,
      `${own}/telemetry/extra`,
      `${own}/availability/x`,
      `${own}/events`,
      `${own}/events/`,
      `${own}/reported`,
      `${own}/unknown`,
      `${own}/unknown/x`,
    ]) {
      expect(mayPublish(edge, topic), topic).toBe(false);
    }
  });

  it('lets an event kind this cloud does not know through, for ingest to count (a newer box must not be disconnected in a loop)', () => {
    expect(mayPublish(edge, topics.event('edg_a1', 'probe'))).toBe(true);
  });
});

describe('mayRetain for an edge', () => {
  it('allows retained availability and reported documents, as the contract publishes them', () => {
    expect(mayRetain(edge, topics.availability('edg_a1'))).toBe(true);
    expect(mayRetain(edge, topics.reported('edg_a1', 'config'))).toBe(true);
    expect(mayRetain(edge, topics.reported('edg_a1', 'schedule'))).toBe(true);
  });

  it('refuses the retain flag everywhere else, so a box cannot fill the broker with retained messages', () => {
    for (const topic of [
      topics.telemetry('edg_a1'),
      topics.event('edg_a1', 'lifecycle'),
      topics.event('edg_a1', 'audit'),
      topics.res('edg_a1', 'ping'),
      // one retained message per document name the box invents would be unbounded
      topics.reported('edg_a1', 'x1'),
      topics.reported('edg_a1', 'constructor'),
      `${own}/events/audit/x/y`,
      topics.desired('edg_a1', 'config'),
      topics.availability('edg_b2'),
    ]) {
      expect(mayRetain(edge, topic), topic).toBe(false);
    }
  });
});

describe('maySubscribe for an edge', () => {
  it('allows its own subtree and the read-only broadcast tree', () => {
    expect(maySubscribe(edge, `${own}/#`)).toBe(true);
    expect(maySubscribe(edge, `${own}/desired/+`)).toBe(true);
    expect(maySubscribe(edge, `${own}/req/+`)).toBe(true);
    expect(maySubscribe(edge, topics.desired('edg_a1', 'config'))).toBe(true);
    expect(maySubscribe(edge, topics.broadcastAll)).toBe(true);
    expect(maySubscribe(edge, topics.broadcast('announcement'))).toBe(true);
  });

  it("refuses another edge's topics", () => {
    expect(maySubscribe(edge, 'sc/v1/edges/edg_b2/#')).toBe(false);
    expect(maySubscribe(edge, topics.desired('edg_b2', 'config'))).toBe(false);
    expect(maySubscribe(edge, 'sc/v1/edges/edg_a10/#')).toBe(false);
  });

  it('refuses filters that reach above its subtree', () => {
    for (const filter of ['sc/v1/#', '#', '+', 'sc/#', 'sc/v1/edges/#', 'sc/v1/edges/+/telemetry', 'sc/v1/edges/+/#', '+/v1/edges/edg_a1/#', 'sc/+/edges/edg_a1/#', own]) {
      expect(maySubscribe(edge, filter), filter).toBe(false);
    }
  });
});

describe('the service identity', () => {
  it('may publish and subscribe anywhere under sc/', () => {
    expect(mayPublish(service, topics.desired('edg_a1', 'config'))).toBe(true);
    expect(mayPublish(service, topics.req('edg_b2', 'ping'))).toBe(true);
    expect(mayPublish(service, topics.broadcast('announcement'))).toBe(true);
    expect(maySubscribe(service, topics.allEdges)).toBe(true);
    expect(maySubscribe(service, 'sc/v1/edges/+/telemetry')).toBe(true);
    expect(maySubscribe(service, 'sc/#')).toBe(true);
  });

  it('may retain anywhere it may publish (the cloud retains desired documents)', () => {
    expect(mayRetain(service, topics.desired('edg_a1', 'config'))).toBe(true);
  });

  it('may not publish outside sc/', () => {
    expect(mayPublish(service, '$SYS/broker/uptime')).toBe(false);
    expect(mayPublish(service, 'other/topic')).toBe(false);
  });
});
