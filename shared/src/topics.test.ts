import { describe, expect, it } from 'vitest';
import { filterWithin, parseEdgeTopic, topicMatches, topics } from './topics.js';

describe('topics', () => {
  it('builds every topic of an edge under its own root', () => {
    expect(topics.edgeRoot('edg_a1')).toBe('sc/v1/edges/edg_a1');
    expect(topics.telemetry('edg_a1')).toBe('sc/v1/edges/edg_a1/telemetry');
    expect(topics.desired('edg_a1', 'config')).toBe('sc/v1/edges/edg_a1/desired/config');
    expect(topics.req('edg_a1', 'ping')).toBe('sc/v1/edges/edg_a1/req/ping');
    expect(topics.event('edg_a1', 'lifecycle')).toBe('sc/v1/edges/edg_a1/events/lifecycle');
    expect(topics.broadcastAll).toBe('sc/v1/broadcast/#');
  });
});

describe('parseEdgeTopic', () => {
  it('splits an unnamed channel', () => {
    expect(parseEdgeTopic('sc/v1/edges/edg_a1/telemetry')).toEqual({ edgeId: 'edg_a1', channel: 'telemetry', name: '' });
    expect(parseEdgeTopic('sc/v1/edges/edg_a1/availability')).toEqual({ edgeId: 'edg_a1', channel: 'availability', name: '' });
  });

  it('splits a named channel with its doc, command or event kind', () => {
    expect(parseEdgeTopic('sc/v1/edges/edg_a1/desired/config')).toEqual({ edgeId: 'edg_a1', channel: 'desired', name: 'config' });
    expect(parseEdgeTopic('sc/v1/edges/edg_a1/res/ping')).toEqual({ edgeId: 'edg_a1', channel: 'res', name: 'ping' });
    expect(parseEdgeTopic('sc/v1/edges/edg_a1/events/lifecycle')).toEqual({ edgeId: 'edg_a1', channel: 'events', name: 'lifecycle' });
  });

  it('round-trips the topics the builders make', () => {
    for (const topic of [topics.availability('e1'), topics.reported('e1', 'config'), topics.req('e1', 'rotate-credentials')]) {
      const parsed = parseEdgeTopic(topic);
      expect(parsed?.edgeId).toBe('e1');
    }
  });

  it.each([
    ['another root', 'sc/v2/edges/edg_a1/telemetry'],
    ['another tree', 'sc/v1/broadcast/edg_a1/telemetry'],
    ['no channel', 'sc/v1/edges/edg_a1'],
    ['an empty edge id', 'sc/v1/edges//telemetry'],
    ['an unknown channel', 'sc/v1/edges/edg_a1/logs'],
    ['a name on an unnamed channel', 'sc/v1/edges/edg_a1/telemetry/extra'],
    ['a named channel without its name', 'sc/v1/edges/edg_a1/desired'],
    ['a named channel with an empty name', 'sc/v1/edges/edg_a1/desired/'],
    ['extra levels', 'sc/v1/edges/edg_a1/desired/config/more'],
    ['an inherited object key as channel', 'sc/v1/edges/edg_a1/toString'],
    ['__proto__ as channel', 'sc/v1/edges/edg_a1/__proto__/x'],
    ['a bare prefix', 'sc/v1/edges'],
    ['the empty string', ''],
  ])('returns null for %s', (_what, topic) => {
    expect(parseEdgeTopic(topic)).toBeNull();
  });
});

describe('topicMatches', () => {
  it('matches a topic to itself and not to a different one', () => {
    expect(topicMatches('sc/v1/edges/e1/telemetry', 'sc/v1/edges/e1/telemetry')).toBe(true);
    expect(topicMatches('sc/v1/edges/e1/telemetry', 'sc/v1/edges/e2/telemetry')).toBe(false);
  });

  it('takes + as exactly one level', () => {
    expect(topicMatches('sc/v1/edges/+/telemetry', 'sc/v1/edges/e1/telemetry')).toBe(true);
    expect(topicMatches('sc/v1/edges/e1/desired/+', 'sc/v1/edges/e1/desired/config')).toBe(true);
    expect(topicMatches('sc/v1/edges/e1/desired/+', 'sc/v1/edges/e1/desired/config/more')).toBe(false);
    expect(topicMatches('sc/v1/edges/e1/desired/+', 'sc/v1/edges/e1/desired')).toBe(false);
  });

  it('takes # as the rest, including the parent level', () => {
    expect(topicMatches('sc/v1/edges/#', 'sc/v1/edges/e1/events/lifecycle')).toBe(true);
    expect(topicMatches('sc/v1/edges/e1/#', 'sc/v1/edges/e1')).toBe(true);
    expect(topicMatches('#', 'anything/at/all')).toBe(true);
    expect(topicMatches('sc/v1/edges/e1/#', 'sc/v1/edges/e10/telemetry')).toBe(false);
  });

  it('does not match a longer or shorter topic without wildcards', () => {
    expect(topicMatches('sc/v1/edges', 'sc/v1/edges/e1')).toBe(false);
    expect(topicMatches('sc/v1/edges/e1', 'sc/v1/edges')).toBe(false);
  });
});

describe('filterWithin', () => {
  const root = 'sc/v1/edges/e1';

  it('accepts filters inside the prefix, wildcards below it included', () => {
    expect(filterWithin(`${root}/#`, root)).toBe(true);
    expect(filterWithin(`${root}/desired/+`, root)).toBe(true);
    expect(filterWithin(`${root}/telemetry`, root)).toBe(true);
  });

  it('refuses the prefix itself, its parents, siblings and wildcards above it', () => {
    expect(filterWithin(root, root)).toBe(false);
    expect(filterWithin('sc/v1/#', root)).toBe(false);
    expect(filterWithin('#', root)).toBe(false);
    expect(filterWithin('sc/v1/edges/+/telemetry', root)).toBe(false);
    expect(filterWithin('sc/v1/edges/e2/#', root)).toBe(false);
    // a prefix of the edge id is not its subtree
    expect(filterWithin('sc/v1/edges/e10/#', root)).toBe(false);
    expect(filterWithin('+/v1/edges/e1/#', root)).toBe(false);
  });
});
