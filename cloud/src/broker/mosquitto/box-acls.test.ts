import { describe, expect, it } from 'vitest';
import { topicMatches, topics } from '@smart-commune/shared';
import { mayPublish, maySubscribe } from '../access.js';
import { boxAcls, boxPublishTopics, roleName } from './box-acls.js';

const edgeId = 'edg_aaaa';
const other = 'edg_bbbb';
const me = { kind: 'edge', edgeId } as const;

/** Topics of every shape: each channel of both boxes, extra levels, the broadcast tree, off-contract roots. */
const samples = [
  ...[edgeId, other].flatMap((id) => [
    topics.availability(id),
    topics.telemetry(id),
    topics.desired(id, 'config'),
    topics.reported(id, 'config'),
    topics.reported(id, 'anything'),
    topics.req(id, 'ping'),
    topics.res(id, 'ping'),
    topics.event(id, 'lifecycle'),
    `${topics.edgeRoot(id)}/telemetry/extra`,
    `${topics.edgeRoot(id)}/events/a/b`,
    `${topics.edgeRoot(id)}/unknown`,
    topics.edgeRoot(id),
  ]),
  topics.broadcast('contract'),
  'sc/v1/other',
  'elsewhere',
];

describe('one box\'s Mosquitto role mirrors what the embedded broker allows (access.ts)', () => {
  it('lets it publish exactly the topics mayPublish allows', () => {
    const published = boxPublishTopics(edgeId);
    for (const topic of samples) expect(published.some((f) => topicMatches(f, topic)), topic).toBe(mayPublish(me, topic));
  });

  it('lets it subscribe to its subtree and the broadcast tree only, and receive only there', () => {
    const acls = boxAcls(edgeId);
    const subscribable = acls.filter((a) => a.acltype === 'subscribePattern').map((a) => a.topic);
    const receivable = acls.filter((a) => a.acltype === 'publishClientReceive').map((a) => a.topic);
    expect(subscribable.sort()).toEqual([topics.broadcastAll, topics.edgeSubtree(edgeId)].sort());
    expect(receivable.sort()).toEqual(subscribable.sort());
    for (const filter of subscribable) expect(maySubscribe(me, filter), filter).toBe(true);
    for (const filter of [topics.edgeSubtree(other), 'sc/v1/#', '#', 'sc/v1/edges/+/telemetry']) expect(subscribable).not.toContain(filter);
    expect(acls.every((a) => a.allow)).toBe(true);
    expect(roleName(edgeId)).toBe('sc-edge-edg_aaaa');
  });
});
