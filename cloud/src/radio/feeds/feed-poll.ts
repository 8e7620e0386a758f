import { createHash } from 'node:crypto';
import { mapLimited, type Logger } from '@smart-commune/shared/runtime';
import { ApiError } from '../../http/errors.js';
import type { CloudMetrics } from '../../metrics.js';
import { MAX_CAP_BYTES, parseCap } from '../cap/cap-parser.js';
import { fetchBounded, FeedFetchError } from './feed-http.js';
import { parseFeedIndex, type FeedEntry } from './feed-index.js';
import type { FeedLedger, NewFeedMessage } from './feed-ledger.js';
import type { CapFeed, FeedValidators } from './feed-store.js';
import type { CapReceiveOptions } from '../alerts/cap-intake.js';

/** An index is a list of links: 2 MiB is thousands of entries. */
const MAX_INDEX_BYTES = 2 * 1024 * 1024;
/** New messages fetched in one poll; the rest come at the next (the index is then asked for again in full). */
const MAX_NEW_PER_POLL = 100;
/** Messages fetched at once. */
const FETCH_CONCURRENCY = 4;
/** A message whose speech keeps failing is given up after this many tries. */
const MAX_ATTEMPTS = 8;

const INDEX_ACCEPT = 'application/atom+xml, application/rss+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1';
const CAP_ACCEPT = 'application/cap+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1';

/** What a feed reads of the alert intake's CapReceipt: which alert, or held message, the message became. */
export type CapReceipt = { kind: 'alert'; alert: { id: string }; created: boolean } | { kind: 'held'; held: { id: string }; created: boolean };

/** What takes a CAP message in: the alert service's entry point, with its rules; `options.source` names the feed. */
export interface CapReceiver {
  receiveCap(xml: string, createdBy: string | null, options?: CapReceiveOptions): Promise<CapReceipt>;
}

export interface FeedPollDeps {
  ledger: FeedLedger;
  receiver: CapReceiver;
  metrics: CloudMetrics;
  logger: Logger;
  timeoutMs: number;
  now(): number;
  /** Delay before a message whose speech failed is tried again, after `attempts` tries. */
  retryDelayMs(attempts: number): number;
}

/** ok: the index answered (its new validators, or null to keep the ones sent); else what failed. */
export type FeedPollResult = { ok: true; validators: FeedValidators | null } | { ok: false; error: string };

const entryKey = (entry: FeedEntry) => entry.url ?? `inline:${createHash('sha256').update(entry.inline).digest('hex')}`;

/** A transient failure is worth trying again (speech synthesis down); a refusal by the rules is not. */
function isTransient(err: unknown): boolean {
  if (err instanceof ApiError) return err.status >= 500;
  const status = (err as { status?: unknown }).status;
  return !(typeof status === 'number' && status < 500);
}

const reasonOf = (err: unknown) => (err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message);

/**
 * Fetches the feed's new messages (each address once, oldest first) into the ledger. Stops at the
 * first message that could not be fetched for a passing reason, so the order holds: it and the
 * ones after it are fetched at a later poll. Returns whether the index was taken whole.
 */
async function takeNewMessages(feed: CapFeed, entries: FeedEntry[], deps: FeedPollDeps, signal: AbortSignal): Promise<{ complete: boolean; error: string | null }> {
  const fresh: FeedEntry[] = [];
  for (const e of entries) if (!(await deps.ledger.knows(entryKey(e)))) fresh.push(e);
  const batch = fresh.slice(0, MAX_NEW_PER_POLL);
  const appearedAt = deps.now();
  const fetched = await mapLimited(batch, FETCH_CONCURRENCY, async (entry): Promise<{ xml: string } | { error: FeedFetchError }> => {
    if (entry.inline !== null) return { xml: entry.inline };
    try {
      const res = await fetchBounded(entry.url!, { maxBytes: MAX_CAP_BYTES, timeoutMs: deps.timeoutMs, accept: CAP_ACCEPT, signal });
      return res.notModified ? { error: new FeedFetchError('HTTP 304 without a validator', false) } : { xml: res.text };
    } catch (err) {
      return { error: err as FeedFetchError };
    }
  });
  for (const [i, entry] of batch.entries()) {
    const got = fetched[i]!;
    const message: NewFeedMessage = { key: entryKey(entry), feedId: feed.id, url: entry.url, cap: null, appearedAt };
    if ('error' in got) {
      if (!got.error.permanent) return { complete: false, error: `message ${entry.url}: ${got.error.message}` };
      // false: another cloud process met it first and counts it
      if (await deps.ledger.addRefused(message, `could not be fetched: ${got.error.message}`, deps.now())) deps.metrics.capFeedMessages.inc({ outcome: 'refused' });
      continue;
    }
    const parsed = parseCap(got.xml);
    const cap = parsed.ok ? { identifier: parsed.alert.identifier, sender: parsed.alert.sender, sent: parsed.alert.sent } : null;
    if ((await deps.ledger.add({ ...message, cap, xml: got.xml }, deps.now())) === 'duplicate') deps.metrics.capFeedMessages.inc({ outcome: 'duplicate' });
  }
  return { complete: fresh.length === batch.length, error: null };
}

/**
 * Passes the feed's waiting messages to the alert rules, in order. A refusal is recorded with its
 * reason; a transient failure postpones the message, and the ones after it wait behind it, so an
 * Update or Cancel never overtakes the alert it refers to.
 */
export async function drainFeed(feedId: string, deps: FeedPollDeps, signal: AbortSignal): Promise<void> {
  const { ledger, logger, metrics } = deps;
  for (const message of await ledger.pending(feedId)) {
    if (signal.aborted || (message.nextAttemptAt !== null && message.nextAttemptAt > deps.now())) return;
    // one process passes it to the rules (another cloud process may be draining the same feed): the
    // one whose conditional claim took it; the others stop here, so the feed's order holds
    if (!(await ledger.claim(message.seq, deps.now()))) return;
    const log = { feedId, key: message.key, identifier: message.identifier, sender: message.sender };
    try {
      const receipt = await deps.receiver.receiveCap(message.xml, null, { source: { kind: 'feed', feedId } });
      if (receipt.kind === 'held') {
        await ledger.settle(message.seq, { state: 'held', heldId: receipt.held.id }, deps.now());
        metrics.capFeedMessages.inc({ outcome: 'held' });
        logger.info({ ...log, heldId: receipt.held.id }, 'CAP feed message held for an operator');
      } else {
        await ledger.settle(message.seq, { state: 'taken', alertId: receipt.alert.id }, deps.now());
        metrics.capFeedMessages.inc({ outcome: 'taken' });
        logger.info({ ...log, alertId: receipt.alert.id }, 'CAP feed message taken');
      }
    } catch (err) {
      const reason = reasonOf(err);
      if (!isTransient(err)) {
        await ledger.settle(message.seq, { state: 'refused', reason }, deps.now());
        metrics.capFeedMessages.inc({ outcome: 'refused' });
        logger.info({ ...log, reason }, 'CAP feed message refused by the alert rules');
      } else if (message.attempts + 1 >= MAX_ATTEMPTS) {
        await ledger.settle(message.seq, { state: 'failed', reason: `given up after ${MAX_ATTEMPTS} tries: ${reason}` }, deps.now());
        metrics.capFeedMessages.inc({ outcome: 'failed' });
        logger.error({ ...log, reason }, 'CAP feed message given up');
      } else {
        await ledger.postpone(message.seq, reason, deps.now() + deps.retryDelayMs(message.attempts + 1), deps.now());
        metrics.capFeedMessages.inc({ outcome: 'retry' });
        logger.warn({ ...log, reason, attempts: message.attempts + 1 }, 'CAP feed message will be tried again');
        return;
      }
    }
  }
}

/** One poll of one feed: its index (conditional GET), its new messages, then the waiting ones to the rules. */
export async function pollFeed(feed: CapFeed, deps: FeedPollDeps, signal: AbortSignal): Promise<FeedPollResult> {
  let result: FeedPollResult;
  let outcome: 'changed' | 'not_modified' | 'failed' = 'failed';
  try {
    const res = await fetchBounded(feed.url, { maxBytes: MAX_INDEX_BYTES, timeoutMs: deps.timeoutMs, accept: INDEX_ACCEPT, validators: feed, signal });
    if (res.notModified) {
      outcome = 'not_modified';
      result = { ok: true, validators: null };
    } else {
      const index = parseFeedIndex(res.text, feed.url);
      const taken = index.ok ? await takeNewMessages(feed, index.entries, deps, signal) : { complete: false, error: `index: ${index.reason}` };
      if (taken.error === null) outcome = 'changed';
      result = taken.error !== null ? { ok: false, error: taken.error } : { ok: true, validators: taken.complete ? res.validators : null };
    }
  } catch (err) {
    result = { ok: false, error: `index: ${(err as Error).message}` };
  }
  deps.metrics.capFeedPolls.inc({ outcome });
  await drainFeed(feed.id, deps, signal);
  return result;
}
