import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { badRequest } from '../../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import { eligibleKinds } from './preferences.js';
import { PUSH_API } from './push-paths.js';
import { deviceLabel, deviceSchema, endpointProblem, preferencesSchema, preferencesView, subscribeBody } from './push-schemas.js';
import type { PushSubscriptionRecord } from './subscription-store.js';
import type { WebPushChannel } from './webpush-channel.js';

const tags = ['Notifications'];
const ACTION = 'notifications.subscribe';

const toDevice = (s: PushSubscriptionRecord) => ({
  id: s.id,
  label: s.label,
  service: new URL(s.endpoint).origin,
  endpointSuffix: s.endpoint.slice(-16),
  createdAt: s.createdAt,
  lastSuccessAt: s.lastSuccessAt,
  lastError: s.lastError,
});

const idParam = z.object({ id: z.string().regex(/^psub_[0-9a-z]{12}$/, 'a push subscription id').openapi({ param: { name: 'id', in: 'path' } }) });

/** A person's own devices and choices: each route acts on the caller only. */
export function createPushRoutes({ guard, channel, allowLocalEndpoints }: { guard: Guard; channel: WebPushChannel; allowLocalEndpoints: boolean }) {
  const app = new OpenAPIHono<AppEnv>();
  const store = channel.subscriptions;

  app.openapi(
    apiRoute(guard, ACTION, {
      method: 'get',
      path: PUSH_API.key,
      tags,
      summary: 'The VAPID public key devices subscribe with (applicationServerKey)',
      responses: { 200: jsonContent(z.object({ publicKey: z.string() }), 'base64url of the uncompressed P-256 point') },
    }),
    (c) => c.json({ publicKey: channel.vapid.publicKey }, 200),
  );

  app.openapi(
    apiRoute(guard, ACTION, {
      method: 'get',
      path: PUSH_API.subscriptions,
      tags,
      summary: 'Your devices that receive notifications',
      responses: { 200: jsonContent(z.object({ devices: z.array(deviceSchema) }), 'Oldest first') },
    }),
    async (c) => c.json({ devices: (await store.listFor(c.get('user')!.id)).map(toDevice) }, 200),
  );

  app.openapi(
    apiRoute(guard, ACTION, {
      method: 'post',
      path: PUSH_API.subscriptions,
      tags,
      summary: 'Receive notifications on this device (the browser\'s PushSubscription)',
      description: 'The same endpoint again updates it (and moves it to you if someone else used this browser before). At most 10 devices a person (409 beyond).',
      request: { body: jsonBody(subscribeBody) },
      responses: {
        201: jsonContent(z.object({ device: deviceSchema }), 'A new device'),
        200: jsonContent(z.object({ device: deviceSchema }), 'A device already known, updated'),
        409: jsonContent(z.object({ error: z.unknown() }), 'Too many devices'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const problem = endpointProblem(body.endpoint, allowLocalEndpoints);
      if (problem) throw badRequest(problem, [{ path: 'endpoint', message: problem }]);
      const { subscription, created } = await store.subscribe(c.get('user')!.id, {
        endpoint: body.endpoint,
        p256dh: body.keys.p256dh,
        auth: body.keys.auth,
        label: body.label ?? deviceLabel(c.req.header('user-agent')),
      });
      return created ? c.json({ device: toDevice(subscription) }, 201) : c.json({ device: toDevice(subscription) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, ACTION, {
      method: 'delete',
      path: PUSH_API.subscription,
      tags,
      summary: 'Stop notifications on one of your devices',
      request: { params: idParam },
      responses: { 204: { description: 'Removed' }, 404: jsonContent(z.object({ error: z.unknown() }), 'Not one of your devices') },
    }),
    async (c) => {
      await store.remove(c.get('user')!.id, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute(guard, ACTION, {
      method: 'post',
      path: PUSH_API.test,
      tags,
      summary: 'Send a test notification to each of your devices now',
      description: 'Straight to the push services, not through the outbox, so the answer says what each device\'s push service said.',
      responses: {
        200: jsonContent(z.object({ results: z.array(z.object({ subscriptionId: z.string(), label: z.string(), ok: z.boolean(), reason: z.string().nullable() })) }), 'One result per device'),
      },
    }),
    async (c) => c.json({ results: await channel.sendTest(c.get('user')!.id) }, 200),
  );

  app.openapi(
    apiRoute(guard, ACTION, {
      method: 'get',
      path: PUSH_API.preferences,
      tags,
      summary: 'What you are notified of, where, and your quiet hours',
      responses: { 200: jsonContent(preferencesView, 'Until changed: every kind your role makes yours, the whole commune, no quiet hours') },
    }),
    async (c) => {
      const user = c.get('user')!;
      return c.json({ ...(await store.preferences(user)), available: eligibleKinds(user) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, ACTION, {
      method: 'put',
      path: PUSH_API.preferences,
      tags,
      summary: 'Choose what you are notified of, for which hamlets and cameras, and your quiet hours',
      description: "A kind your role does not make yours, a hamlet code or a camera that does not exist (or is another commune's) is refused (400, naming it). Hamlets and cameras left out stay as they were; both empty: your whole commune (a province-level person: the whole province).",
      request: { body: jsonBody(preferencesSchema) },
      responses: { 200: jsonContent(preferencesView, 'As stored') },
    }),
    async (c) => {
      const user = c.get('user')!;
      const body = c.req.valid('json');
      const available = eligibleKinds(user);
      const foreign = body.kinds.filter((k) => !available.includes(k));
      if (foreign.length) throw badRequest(`your role does not receive: ${foreign.join(', ')}`, [{ path: 'kinds', message: `allowed: ${available.join(', ') || 'none'}` }]);
      const unknown = await store.unknownScope(body.hamlets ?? [], body.cameras ?? [], user);
      if (unknown.length) throw badRequest(unknown.map((u) => u.message).join('; '), unknown);
      return c.json({ ...(await store.setPreferences(user, body)), available }, 200);
    },
  );

  return app;
}
