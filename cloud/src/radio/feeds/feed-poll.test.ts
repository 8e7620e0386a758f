import { silentLogger } from '@smart-commune/shared/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCloudDatabase } from '../../db/database.js';
import type { Db } from '../../db/database.js';
import { ApiError } from '../../http/errors.js';
import { createCloudMetrics } from '../../metrics.js';
import { FeedLedger } from './feed-ledger.js';
import { drainFeed, type CapReceipt, type FeedPollDeps } from './feed-poll.js';
import { FeedStore } from './feed-store.js';

/**
 * The outcomes the alert rules can give, one per message, in the shape the alert service answers
 * with (an alert, or an alert held for an operator once the rules of issue 16 hold some): the
 * ledger records each as the rules decided it.
 */
describe('passing a feed\'s messages to the alert rules', () => {
  let db: Db;
  let feeds: FeedStore;
  let ledger: FeedLedger;
  let feedId: string;
  let answers: Map<string, () => CapReceipt>;
  let received: { xml: string; source: unknown }[];
  const deps = (): FeedPollDeps => ({
    ledger,
    receiver: {
      receiveCap: async (xml, _createdBy, options) => {
        received.push({ xml, source: options?.source });
        return answers.get(xml)!();
      },
    },
    metrics: createCloudMetrics(),
    logger: silentLogger(),
    timeoutMs: 1000,
    now: Date.now,
    retryDelayMs: () => 60_000,
  });
  const queue = (key: string) => ledger.add({ key, feedId, url: key, cap: null, appearedAt: Date.now(), xml: key }, Date.now());

  beforeEach(() => {
    db = openCloudDatabase(':memory:');
    feeds = new FeedStore(db);
    ledger = new FeedLedger(db);
    feedId = feeds.add({ name: 'KTTV', url: 'https://kttv.example/feed', enabled: true, pollEverySeconds: null, createdBy: null }, Date.now()).id;
    answers = new Map();
    received = [];
  });
  afterEach(() => db.close());

  it('records an alert taken, one held for an operator, one refused, in the feed\'s order and with the feed named as the source', async () => {
    answers.set('a', () => ({ kind: 'alert', alert: { id: 'alr_a' }, created: true }));
    answers.set('h', () => ({ kind: 'held', held: { id: 'hld_h' }, created: true }));
    answers.set('r', () => {
      throw new ApiError(422, 'not_played', 'the CAP message is stale');
    });
    for (const key of ['a', 'h', 'r']) queue(key);
    await drainFeed(feedId, deps(), new AbortController().signal);

    expect(received).toEqual(['a', 'h', 'r'].map((xml) => ({ xml, source: { kind: 'feed', feedId } })));
    const byKey = new Map(ledger.list(feedId, { limit: 10 }).map((m) => [m.key, m]));
    expect(byKey.get('a')).toMatchObject({ state: 'taken', alertId: 'alr_a', heldId: null, reason: null });
    expect(byKey.get('h')).toMatchObject({ state: 'held', alertId: null, heldId: 'hld_h' });
    expect(byKey.get('r')).toMatchObject({ state: 'refused', reason: 'not_played: the CAP message is stale', attempts: 1 });
    expect(feeds.get(feedId)).toMatchObject({ messagesTaken: 2, messagesHeld: 1, messagesRefused: 1 });
    expect(ledger.pending(feedId)).toEqual([]);
  });

  it('postpones a message whose speech failed and keeps the later ones behind it until it is due again', async () => {
    answers.set('a', () => {
      throw new ApiError(502, 'speech_failed', 'the alert could not be spoken');
    });
    answers.set('c', () => ({ kind: 'alert', alert: { id: 'alr_a' }, created: false }));
    queue('a');
    queue('c');
    await drainFeed(feedId, deps(), new AbortController().signal);
    await drainFeed(feedId, deps(), new AbortController().signal); // not due yet: nothing is tried
    expect(received.map((r) => r.xml)).toEqual(['a']);
    expect(ledger.pending(feedId).map((m) => [m.key, m.attempts, m.reason])).toEqual([
      ['a', 1, 'speech_failed: the alert could not be spoken'],
      ['c', 0, null],
    ]);
  });
});
