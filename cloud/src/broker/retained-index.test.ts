import { Aedes } from 'aedes';
import { describe, expect, it } from 'vitest';
import { indexRetainedMessages, RetainedIndex, type RetainedPacket } from './retained-index.js';

const packet = (topic: string, payload = `p:${topic}`, qos: 0 | 1 = 1): RetainedPacket & { qos: number; retain: boolean } => ({ topic, payload: Buffer.from(payload), qos, retain: true });
const topicsOf = (packets: RetainedPacket[]) => packets.map((p) => p.topic);

/** MQTT 3.1.1 topic matching written the plain way, level by level, as the reference for the index. */
function reference(f: string[], topic: string): boolean {
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false; // [MQTT-4.7.2-1]
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true; // also the parent level: then t.length === i
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** A deterministic pseudo-random sequence (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RetainedIndex', () => {
  it('keeps one message per topic: a new one replaces it in place, an empty payload deletes it', () => {
    const index = new RetainedIndex();
    index.store(packet('a/b', 'one'));
    index.store(packet('a/c', 'two'));
    index.store(packet('a/b', 'three'));
    expect(index.match('a/+').map((p) => [p.topic, p.payload.toString()])).toEqual([['a/b', 'three'], ['a/c', 'two']]);
    expect(index.size).toBe(2);

    index.store(packet('a/b', ''));
    expect(topicsOf(index.match('a/+'))).toEqual(['a/c']);
    expect(index.match('a/b')).toEqual([]);
    // deleting what is not there changes nothing
    index.store(packet('a/b', ''));
    index.store(packet('x/y/z', ''));
    expect(index.size).toBe(1);
    // retained again after its deletion: it comes after the others, as a Map's order has it
    index.store(packet('a/b', 'four'));
    expect(topicsOf(index.match('#'))).toEqual(['a/c', 'a/b']);
  });

  it('stores a copy with the QoS it was published with', () => {
    const index = new RetainedIndex();
    const published = packet('q/0', 'x', 0);
    index.store(published);
    published.topic = 'changed';
    const [stored] = index.match('q/0') as Array<ReturnType<typeof packet>>;
    expect(stored).toMatchObject({ topic: 'q/0', qos: 0, retain: true });
    expect(stored).not.toBe(published);
  });

  it('matches the wildcards as MQTT 3.1.1 says, $-topics apart from leading wildcards', () => {
    const index = new RetainedIndex();
    const all = [
      'sport', 'sport/tennis', 'sport/tennis/player1', 'sport/tennis/player1/ranking', 'sport/tennis/player1/score/wimbledon',
      'sport/', '/finance', 'finance', '$SYS/broker/load', '$SYS/monitor/Clients', '$share', 'a//b',
    ];
    for (const t of all) index.store(packet(t));
    const m = (filter: string) => topicsOf(index.match(filter)).sort();
    expect(m('sport/tennis/player1/#')).toEqual(['sport/tennis/player1', 'sport/tennis/player1/ranking', 'sport/tennis/player1/score/wimbledon']);
    expect(m('sport/#')).toEqual(['sport', 'sport/', 'sport/tennis', 'sport/tennis/player1', 'sport/tennis/player1/ranking', 'sport/tennis/player1/score/wimbledon']);
    expect(m('sport/+')).toEqual(['sport/', 'sport/tennis']);
    expect(m('+')).toEqual(['finance', 'sport']);
    expect(m('+/+')).toEqual(['/finance', 'sport/', 'sport/tennis']);
    expect(m('/+')).toEqual(['/finance']);
    expect(m('a/+/b')).toEqual(['a//b']);
    expect(m('#')).toEqual(all.filter((t) => !t.startsWith('$')).sort());
    expect(m('+/monitor/Clients')).toEqual([]);
    expect(m('$SYS/#')).toEqual(['$SYS/broker/load', '$SYS/monitor/Clients']);
    expect(m('$SYS/monitor/+')).toEqual(['$SYS/monitor/Clients']);
    expect(m('$share')).toEqual(['$share']);
    expect(m('sport/tennis')).toEqual(['sport/tennis']);
    expect(m('sport/tennis/#/x')).toEqual([]); // not a valid filter: Aedes refuses it before, and it matches nothing here either
  });

  it('agrees with the plain matcher, order included, over thousands of topics, filters and deletions', () => {
    const rand = rng(11);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const words = ['sc', 'v1', 'edges', 'edg_a', 'edg_b', 'desired', 'reported', 'config', 'schedule', '', '$SYS', 'x'];
    const randomTopic = () => Array.from({ length: 1 + Math.floor(rand() * 5) }, () => pick(words)).join('/');
    const index = new RetainedIndex();
    const model = new Map<string, RetainedPacket>();
    for (let i = 0; i < 6000; i++) {
      const topic = randomTopic();
      const p = packet(topic, rand() < 0.25 ? '' : `v${i}`);
      index.store(p);
      if (p.payload.length === 0) model.delete(topic);
      else model.set(topic, p);
    }
    expect(index.size).toBe(model.size);
    expect(model.size).toBeGreaterThan(300);
    let nonEmpty = 0;
    for (let i = 0; i < 2000; i++) {
      const levels = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => (rand() < 0.3 ? '+' : pick(words)));
      if (rand() < 0.3) levels.push('#');
      const filter = levels.join('/');
      const expected = [...model.values()].filter((p) => reference(levels, p.topic));
      const got = index.match(filter);
      const show = (ps: RetainedPacket[]) => ps.map((p) => `${p.topic}=${p.payload.toString()}`).join(' ');
      // compared as text (a deep equality per filter is slow), then shown in full when they differ
      if (show(got) !== show(expected)) expect(show(got), filter).toBe(show(expected));
      if (got.length) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(300);
  });

  it('forgets deleted branches: emptied, the index holds nothing', () => {
    const index = new RetainedIndex();
    const topics = Array.from({ length: 500 }, (_, i) => `sc/v1/edges/edg_${i}/reported/config`);
    for (const t of topics) index.store(packet(t));
    for (const t of topics) index.store(packet(t, ''));
    expect(index.size).toBe(0);
    expect(index.match('#')).toEqual([]);
    expect((index as unknown as { root: { children: unknown } }).root.children).toBeNull();
  });
});

describe('indexRetainedMessages', () => {
  it('puts the index in charge of a real Aedes broker\'s retained messages', async () => {
    const aedes = await Aedes.createBroker();
    try {
      const persistence = (aedes as unknown as { persistence: { storeRetained(p: RetainedPacket): Promise<void>; createRetainedStreamCombi(f: string[]): AsyncIterable<RetainedPacket> } }).persistence;
      const index = indexRetainedMessages(persistence);
      await new Promise<void>((resolve, reject) => aedes.publish({ cmd: 'publish', topic: 'sc/v1/x', payload: Buffer.from('1'), qos: 1, retain: true, dup: false }, (err) => (err ? reject(err) : resolve())));
      await new Promise<void>((resolve, reject) => aedes.publish({ cmd: 'publish', topic: 'sc/v1/y', payload: Buffer.from('2'), qos: 0, retain: true, dup: false }, (err) => (err ? reject(err) : resolve())));
      expect(index.size).toBe(2);
      const streamed: string[] = [];
      for await (const p of persistence.createRetainedStreamCombi(['sc/v1/y', 'sc/#'])) streamed.push(p.topic);
      expect(streamed).toEqual(['sc/v1/y', 'sc/v1/x', 'sc/v1/y']);
    } finally {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    }
  });

  it('refuses a persistence without the methods it replaces, rather than leaving the scan in place', () => {
    expect(() => indexRetainedMessages({ storeRetained() {} })).toThrow(/no createRetainedStream\(\)/);
  });
});
