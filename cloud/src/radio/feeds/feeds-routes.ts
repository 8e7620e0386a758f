import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import { assertMayChange, assertSees } from '../../communes/scope.js';
import type { AppEnv } from '../../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import { feedHealth, feedHealths, type FeedWarnRule } from './feed-health.js';
import { feedMessageStates, type FeedLedger } from './feed-ledger.js';
import type { CapFeed, FeedStore } from './feed-store.js';

/** Operators subscribe to the feeds their alerts come from, as they post alerts. */
const operators = 'radio.alerts.manage' as const;
const tags = ['Radio'];

/** An absolute http(s) address: the poller asks nothing else (no file:, ftp:, data:). */
function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
const feedUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(isHttpUrl, 'the feed address must be an http:// or https:// URL')
  .openapi({ format: 'uri', example: 'https://canhbao.example.gov.vn/cap/atom.xml' });
const pollEverySeconds = z.number().int().min(5).max(86_400).openapi({ description: 'seconds between polls; null or absent: SC_CAP_FEED_POLL_S' });

const newFeedSchema = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: 'Đài KTTV tỉnh Hậu Giang' }),
    url: feedUrl,
    enabled: z.boolean().optional(),
    pollEverySeconds: pollEverySeconds.nullable().optional(),
  })
  .strict()
  .openapi('NewCapFeed');
const feedPatchSchema = z
  .object({ name: z.string().trim().min(1).max(100).optional(), enabled: z.boolean().optional(), pollEverySeconds: pollEverySeconds.nullable().optional() })
  .strict()
  .openapi('CapFeedPatch');

const feedSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    enabled: z.boolean(),
    pollEverySeconds: z.number().nullable(),
    effectivePollSeconds: z.number().openapi({ description: 'the interval in use: its own, else SC_CAP_FEED_POLL_S' }),
    health: z.enum(feedHealths).openapi({ description: 'disabled; waiting (not polled yet); ok; failing; down (failing long enough to warn operators)' }),
    warning: z.boolean().openapi({ description: 'true when the feed is down: alerts from it are not being received' }),
    lastPollAt: z.number().nullable(),
    lastSuccessAt: z.number().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.number().nullable(),
    consecutiveFailures: z.number(),
    failingSince: z.number().nullable(),
    messagesTaken: z.number().openapi({ description: 'messages the alert rules took in: alerts started (or already known), and alerts held for an operator' }),
    messagesHeld: z.number().openapi({ description: 'of those, held for an operator to confirm' }),
    messagesRefused: z.number().openapi({ description: 'messages the alert rules refused, unfetchable ones, and ones given up' }),
    createdAt: z.number(),
    communeCode: z.string().nullable().openapi({ description: "The commune whose feed it is (its messages become that commune's alerts); null: the province's (they reach every commune their areas include)" }),
  })
  .openapi('CapFeed');

const messageSchema = z
  .object({
    key: z.string().openapi({ description: 'the message URL, or inline:<sha256> for a CAP alert carried in the feed entry' }),
    url: z.string().nullable(),
    identifier: z.string().nullable(),
    sender: z.string().nullable(),
    sent: z.number().nullable(),
    state: z.enum(feedMessageStates),
    reason: z.string().nullable().openapi({ description: 'why it was refused, postponed or given up' }),
    alertId: z.string().nullable(),
    heldId: z.string().nullable().openapi({ description: 'the held alert, when the rules hold it for an operator' }),
    attempts: z.number(),
    appearedAt: z.number().openapi({ description: 'when the cloud first met it in the feed' }),
    updatedAt: z.number(),
  })
  .openapi('CapFeedMessage');

const feedIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' }, example: 'fd_5k2m9q8x4c7t' }) });

export interface FeedsRoutesDeps {
  guard: Guard;
  feeds: FeedStore;
  ledger: FeedLedger;
  warn: FeedWarnRule;
  defaultPollSeconds: number;
  now(): number;
  /** A feed was added or changed: poll it without waiting. */
  changed(): void;
}

/** CAP feeds the cloud subscribes to: their messages go through the same rules as a CAP alert posted by hand. */
export function createFeedsRoutes(deps: FeedsRoutesDeps) {
  const { guard, feeds, ledger } = deps;
  const app = new OpenAPIHono<AppEnv>();
  const out = (f: CapFeed) => {
    const health = feedHealth(f, deps.warn, deps.now());
    const { etag: _etag, lastModified: _lastModified, createdBy: _createdBy, ...shown } = f;
    return { ...shown, effectivePollSeconds: f.pollEverySeconds ?? deps.defaultPollSeconds, health, warning: health === 'down' };
  };
  // another commune's feed answers as none; the province's is read by every commune, changed by none of them
  const visible = async (c: Parameters<typeof currentUser>[0], id: string) => {
    const feed = await feeds.get(id);
    assertSees(currentUser(c), feed.communeCode, `CAP feed ${id}`);
    return feed;
  };
  const changeable = async (c: Parameters<typeof currentUser>[0], id: string) => {
    const feed = await feeds.get(id);
    assertMayChange(currentUser(c), feed.communeCode, `CAP feed ${id}`);
    return feed;
  };

  app.openapi(
    apiRoute(guard, operators, {
      method: 'get',
      path: '/cap-feeds',
      tags,
      summary: 'The CAP feeds subscribed to, each with its state: last poll, last success, last error, failures in a row, messages taken',
      responses: { 200: jsonContent(z.object({ feeds: z.array(feedSchema) }), 'The feeds, oldest first') },
    }),
    async (c) => c.json({ feeds: (await feeds.list(currentUser(c).communeCode ?? undefined)).map(out) }, 200),
  );

  app.openapi(
    apiRoute(guard, operators, {
      method: 'post',
      path: '/cap-feeds',
      tags,
      summary: 'Subscribe to a CAP feed (an Atom or RSS index of CAP 1.2 messages); it is polled at once',
      request: { body: jsonBody(newFeedSchema) },
      responses: { 201: jsonContent(feedSchema, 'The feed'), 409: jsonContent(z.object({}), 'That address is already subscribed (details.feedId)') },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const feed = await feeds.add({ name: body.name, url: body.url, enabled: body.enabled ?? true, pollEverySeconds: body.pollEverySeconds ?? null, createdBy: currentUser(c).id, communeCode: currentUser(c).communeCode }, deps.now());
      deps.changed();
      return c.json(out(feed), 201);
    },
  );

  app.openapi(
    apiRoute(guard, operators, {
      method: 'get',
      path: '/cap-feeds/{id}',
      tags,
      summary: 'One CAP feed and its state',
      request: { params: feedIdParam },
      responses: { 200: jsonContent(feedSchema, 'The feed') },
    }),
    async (c) => c.json(out(await visible(c, c.req.valid('param').id)), 200),
  );

  app.openapi(
    apiRoute(guard, operators, {
      method: 'patch',
      path: '/cap-feeds/{id}',
      tags,
      summary: 'Rename a CAP feed, enable or disable it, or change its interval',
      request: { params: feedIdParam, body: jsonBody(feedPatchSchema) },
      responses: { 200: jsonContent(feedSchema, 'The feed') },
    }),
    async (c) => {
      await changeable(c, c.req.valid('param').id);
      const feed = await feeds.update(c.req.valid('param').id, c.req.valid('json'));
      deps.changed();
      return c.json(out(feed), 200);
    },
  );

  app.openapi(
    apiRoute(guard, operators, {
      method: 'delete',
      path: '/cap-feeds/{id}',
      tags,
      summary: 'Unsubscribe from a CAP feed (the messages met in it are remembered: none plays again if it is added back)',
      request: { params: feedIdParam },
      responses: { 204: { description: 'Deleted' } },
    }),
    async (c) => {
      await changeable(c, c.req.valid('param').id);
      await feeds.delete(c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute(guard, operators, {
      method: 'get',
      path: '/cap-feeds/{id}/messages',
      tags,
      summary: 'The messages met in a CAP feed, newest first: taken (with the alert), held for an operator, refused (with the reason), waiting, duplicate or given up',
      request: { params: feedIdParam, query: z.object({ state: z.enum(feedMessageStates).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: jsonContent(z.object({ messages: z.array(messageSchema) }), 'The messages') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await visible(c, id);
      const q = c.req.valid('query');
      const messages = (await ledger.list(id, q)).map(({ seq: _seq, feedId: _feedId, nextAttemptAt: _next, ...m }) => m);
      return c.json({ messages }, 200);
    },
  );

  return app;
}
