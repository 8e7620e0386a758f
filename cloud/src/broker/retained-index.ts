import { Readable } from 'node:stream';

/**
 * The embedded broker's retained messages, indexed by topic level.
 *
 * Why: Aedes' memory persistence keeps retained messages in one Map and, for every SUBSCRIBE, tests
 * every retained topic against the filter. Every box retains a handful of topics (availability,
 * reported and desired documents), and every box subscribes on each connection, so a fleet of N
 * boxes connecting costs N × (a few × N) topic tests: 2,000 boxes took 16–26 s to connect. Here a
 * subscription walks only the branches its filter can match, so a lookup costs its matches (plus
 * the levels it descends), not the number of retained messages.
 *
 * Semantics are those of the memory persistence it replaces, which follow MQTT 3.1.1:
 * - a retained PUBLISH replaces the topic's message (the first one's place in the order is kept,
 *   as a Map's set does); an empty payload deletes it;
 * - the stored packet is a shallow copy of what was published (QoS, payload, topic…);
 * - `+` matches exactly one level (also an empty one), `#` the parent level and any below;
 * - matches come in the order the topics were first retained (a Map's order), and a SUBSCRIBE with
 *   several filters gets each filter's matches in turn (overlapping filters repeat a message);
 * - and, beyond the memory persistence, [MQTT-4.7.2-1]: a filter starting with a wildcard does not
 *   match topics starting with `$` (Aedes already applies this to live messages, not to retained).
 */

/** The fields of a retained packet this index reads; the rest is kept as published. */
export interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
}

interface Node {
  children: Map<string, Node> | null;
  packet: RetainedPacket | null;
  /** When this topic was first retained (since its last deletion): the order matches are given in. */
  seq: number;
  /** Retained messages at this node and below: a branch that reaches 0 is removed. */
  size: number;
}

const newNode = (): Node => ({ children: null, packet: null, seq: 0, size: 0 });

export class RetainedIndex {
  private readonly root = newNode();
  private nextSeq = 1;

  /** Retained messages held. */
  get size(): number {
    return this.root.size;
  }

  /** Stores a copy of the packet as its topic's retained message, or deletes that message when the payload is empty. */
  store(packet: RetainedPacket): void {
    if (packet.payload.length === 0) this.delete(packet.topic);
    else this.set({ ...packet });
  }

  /** The retained messages whose topics the filter matches, in the order their topics were first retained. */
  match(filter: string): RetainedPacket[] {
    const found: Node[] = [];
    collect(this.root, filter.split('/'), 0, found);
    if (found.length > 1) found.sort((a, b) => a.seq - b.seq);
    return found.map((node) => node.packet!);
  }

  private set(packet: RetainedPacket): void {
    const path = [this.root];
    let node = this.root;
    for (const level of packet.topic.split('/')) {
      node.children ??= new Map();
      let child = node.children.get(level);
      if (!child) {
        child = newNode();
        node.children.set(level, child);
      }
      node = child;
      path.push(node);
    }
    if (!node.packet) {
      node.seq = this.nextSeq++;
      for (const n of path) n.size++;
    }
    node.packet = packet;
  }

  private delete(topic: string): void {
    const levels = topic.split('/');
    const path = [this.root];
    let node = this.root;
    for (const level of levels) {
      const child = node.children?.get(level);
      if (!child) return; // nothing retained there
      node = child;
      path.push(node);
    }
    if (!node.packet) return;
    node.packet = null;
    for (const n of path) n.size--;
    // drop the branch's emptied nodes, so a '#' walk never wanders through topics long deleted
    for (let i = path.length - 1; i > 0; i--) {
      if (path[i]!.size > 0) break;
      const parent = path[i - 1]!;
      parent.children!.delete(levels[i - 1]!);
      if (parent.children!.size === 0) parent.children = null;
    }
  }
}

/** Nodes holding a message under `node` that the filter's levels from `i` on match. */
function collect(node: Node, levels: string[], i: number, found: Node[]): void {
  if (i === levels.length) {
    if (node.packet) found.push(node);
    return;
  }
  const level = levels[i]!;
  // [MQTT-4.7.2-1]: a leading wildcard does not match topics that start with '$'
  const skipDollar = i === 0;
  if (level === '#') {
    if (i !== levels.length - 1) return; // '#' only ends a filter (Aedes refuses others before they get here)
    // '#' also matches the parent level: "a/#" matches "a" (the root itself is no topic)
    if (i > 0 && node.packet) found.push(node);
    if (node.children) for (const [key, child] of node.children) if (!(skipDollar && key.startsWith('$'))) collectAll(child, found);
    return;
  }
  if (!node.children) return;
  if (level === '+') {
    for (const [key, child] of node.children) if (!(skipDollar && key.startsWith('$'))) collect(child, levels, i + 1, found);
    return;
  }
  const child = node.children.get(level);
  if (child) collect(child, levels, i + 1, found);
}

function collectAll(node: Node, found: Node[]): void {
  if (node.packet) found.push(node);
  if (node.children) for (const child of node.children.values()) collectAll(child, found);
}

/** What Aedes calls on its persistence for retained messages (aedes 1.x with aedes-persistence 11). */
export interface RetainedPersistence {
  storeRetained(packet: RetainedPacket, cb?: (err: Error | null) => void): Promise<void> | void;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/**
 * Puts an index in charge of the broker's retained messages: replaces the persistence's three
 * retained-message methods (its own Map is then never written). Call it before any client connects.
 * Aedes offers no hook for this; the methods are checked first so an Aedes upgrade that renames them
 * fails at start rather than silently going back to the scan.
 */
export function indexRetainedMessages(persistence: unknown): RetainedIndex {
  const p = persistence as Partial<Record<keyof RetainedPersistence, unknown>>;
  for (const method of ['storeRetained', 'createRetainedStream', 'createRetainedStreamCombi'] as const) {
    if (typeof p[method] !== 'function') throw new Error(`the Aedes persistence has no ${method}(): the retained-message index cannot replace it (Aedes upgraded?)`);
  }
  const index = new RetainedIndex();
  const target = persistence as RetainedPersistence;
  target.storeRetained = (packet, cb) => {
    index.store(packet);
    // Aedes 1.x awaits the promise; the callback form is the older persistence API, kept for its callers
    if (cb) process.nextTick(cb, null);
    return Promise.resolve();
  };
  target.createRetainedStream = (pattern) => Readable.from(index.match(pattern));
  target.createRetainedStreamCombi = (patterns) => Readable.from(patterns.flatMap((pattern) => index.match(pattern)));
  return index;
}
