import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@smart-commune/shared/runtime';
import { createCloudMetrics, type CloudMetrics } from '../metrics.js';
import type { DomainEvents } from './domain-events.js';
import { DomainEventBus } from './event-bus.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

const offline = (edgeId: string): DomainEvents['edge.offline'] => ({ edgeId, at: 1_000, reason: 'missed_heartbeats' });

describe('the domain event bus', () => {
  let metrics: CloudMetrics;
  let logged: Record<string, unknown>[];
  let bus: DomainEventBus;

  beforeEach(() => {
    metrics = createCloudMetrics();
    logged = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    bus = new DomainEventBus({ logger: createLogger('test', { level: 'debug' }, sink), handlerErrors: metrics.domainEventErrors });
  });
  afterEach(async () => {
    await bus.stop();
  });

  const errors = async (event: string, subscriber: string) =>
    (await metrics.domainEventErrors.get()).values.find((v) => v.labels.event === event && v.labels.subscriber === subscriber)?.value ?? 0;

  it('gives each subscriber of an event its payload, and nothing of other events', () => {
    const seen: string[] = [];
    bus.subscribe('edge.offline', (e) => void seen.push(`a:${e.edgeId}:${e.reason}`));
    bus.subscribe('edge.offline', (e) => void seen.push(`b:${e.edgeId}`));
    bus.subscribe('edge.online', (e) => void seen.push(`online:${e.edgeId}`));
    bus.publish('edge.offline', offline('edg_1'));
    // a synchronous handler has run when publish returns, as an EventEmitter listener would have
    expect(seen).toEqual(['a:edg_1:missed_heartbeats', 'b:edg_1']);
  });

  it('logs and counts a handler that throws or rejects; the publisher and the other handlers carry on', async () => {
    const seen: string[] = [];
    bus.subscribe('edge.offline', () => {
      throw new Error('boom');
    }, 'thrower');
    bus.subscribe('edge.offline', async () => {
      await tick();
      throw new Error('later boom');
    }, 'rejecter');
    bus.subscribe('edge.offline', (e) => void seen.push(e.edgeId), 'steady');
    expect(() => bus.publish('edge.offline', offline('edg_1'))).not.toThrow();
    bus.publish('edge.offline', offline('edg_2'));
    await bus.settled();
    expect(seen).toEqual(['edg_1', 'edg_2']);
    expect(await errors('edge.offline', 'thrower')).toBe(2);
    expect(await errors('edge.offline', 'rejecter')).toBe(2);
    expect(await errors('edge.offline', 'steady')).toBe(0);
    const failures = logged.filter((l) => l.msg === 'domain event handler failed');
    expect(failures.map((l) => [l.subscriber, (l.err as { message: string }).message])).toEqual([
      ['thrower', 'boom'],
      ['thrower', 'boom'],
      ['rejecter', 'later boom'],
      ['rejecter', 'later boom'],
    ]);
    expect(failures[0]).toMatchObject({ level: 50, event: 'edge.offline' });
  });

  it('keeps the publish order for an async subscriber: the next event waits until the previous one is handled', async () => {
    const log: string[] = [];
    let running = 0;
    bus.subscribe('edge.offline', async (e) => {
      running += 1;
      log.push(`start ${e.edgeId} (${running} running)`);
      await tick();
      log.push(`end ${e.edgeId}`);
      running -= 1;
    });
    for (const id of ['edg_1', 'edg_2', 'edg_3']) bus.publish('edge.offline', offline(id));
    await bus.settled();
    expect(log).toEqual(['start edg_1 (1 running)', 'end edg_1', 'start edg_2 (1 running)', 'end edg_2', 'start edg_3 (1 running)', 'end edg_3']);
  });

  it('keeps the order when a handler publishes the same event again while it runs', () => {
    const seen: string[] = [];
    bus.subscribe('edge.offline', (e) => {
      seen.push(e.edgeId);
      if (e.edgeId === 'edg_1') bus.publish('edge.offline', offline('edg_3'));
    });
    bus.subscribe('edge.offline', (e) => void seen.push(`second:${e.edgeId}`));
    bus.publish('edge.offline', offline('edg_1'));
    bus.publish('edge.offline', offline('edg_2'));
    expect(seen.filter((s) => !s.startsWith('second:'))).toEqual(['edg_1', 'edg_3', 'edg_2']);
    // the other subscriber, idle when edg_3 was published, still gets edg_1 first
    expect(seen.filter((s) => s.startsWith('second:'))).toEqual(['second:edg_1', 'second:edg_3', 'second:edg_2']);
  });

  it('stops delivering to a subscriber that unsubscribed, once what it was given is handled', async () => {
    const seen: string[] = [];
    const unsubscribe = bus.subscribe('edge.offline', async (e) => {
      await tick();
      seen.push(e.edgeId);
    });
    bus.publish('edge.offline', offline('edg_1'));
    await unsubscribe();
    expect(seen).toEqual(['edg_1']);
    bus.publish('edge.offline', offline('edg_2'));
    await bus.settled();
    expect(seen).toEqual(['edg_1']);
  });

  it('stop() waits for the handlers still running and what is queued for them, then delivers nothing more', async () => {
    const seen: string[] = [];
    bus.subscribe('edge.offline', async (e) => {
      await tick();
      seen.push(e.edgeId);
    });
    bus.publish('edge.offline', offline('edg_1'));
    bus.publish('edge.offline', offline('edg_2'));
    await bus.stop();
    expect(seen).toEqual(['edg_1', 'edg_2']);
    bus.publish('edge.offline', offline('edg_3'));
    await tick();
    await tick();
    expect(seen).toEqual(['edg_1', 'edg_2']);
    expect(logged.some((l) => l.msg === 'domain event published after the bus stopped: not delivered' && l.event === 'edge.offline')).toBe(true);
  });
});
