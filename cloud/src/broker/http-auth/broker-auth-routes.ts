import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { BROKER_AUTH_PATHS, GO_AUTH_ACC } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { Guard } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { errorJson, validationDetails } from '../../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import type { CloudMetrics } from '../../metrics.js';
import type { BrokerAuthority, TopicAction, Verdict } from './broker-authority.js';

export interface BrokerAuthRoutesDeps {
  guard: Guard;
  authority: BrokerAuthority;
  metrics: CloudMetrics;
  logger: Logger;
}

const tags = ['Broker'];

// Bounds: the contract's names are far shorter (an edge id is at most 23 characters, a topic under
// 100 bytes); anything past these is not one of ours and is refused as malformed.
const username = z.string().max(256).openapi({ description: "the MQTT username: an edge id, or the cloud's service user" });
const password = z.string().max(1024).openapi({ description: 'the MQTT password (never logged)' });
const clientid = z.string().max(256).openapi({ description: "the MQTT client id: a box's must be its edge id" });
const topic = z.string().min(1).max(1024).openapi({ description: 'topic, or topic filter for a subscription ($share/{group}/… is judged by its filter)' });
const peerhost = z.string().max(64).optional().openapi({ description: "the client's address, for the log" });
/** EMQX renders every ${placeholder} of its body template as a string: "true", "1". */
const flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');

const emqxAuthnSchema = z.object({ username, password, clientid, peerhost }).openapi('EmqxAuthnRequest');
const emqxAuthzSchema = z
  .object({
    username,
    clientid,
    topic,
    action: z.enum(['publish', 'subscribe']).openapi({ description: '${action}' }),
    retain: flag.optional().openapi({ description: '${retain}: a retained publish is checked against where the contract retains' }),
    qos: z.union([z.number().int().min(0).max(2), z.enum(['0', '1', '2'])]).optional(),
    peerhost,
  })
  .openapi('EmqxAuthzRequest');
const emqxResultSchema = z
  .object({
    result: z.enum(['allow', 'deny']),
    is_superuser: z.boolean().optional().openapi({ description: "true only for the cloud's service credential" }),
  })
  .openapi('EmqxResult');

const goAuthUserSchema = z.object({ username, password, clientid }).openapi('GoAuthUserRequest');
const goAuthSuperuserSchema = z.object({ username }).openapi('GoAuthSuperuserRequest');
const goAuthAclSchema = z
  .object({
    username,
    clientid,
    topic,
    // a number in go-auth's JSON mode, a string in its form mode
    acc: z.coerce
      .number()
      .int()
      .refine((n) => Object.values(GO_AUTH_ACC).includes(n as 1), 'must be 1 (read), 2 (write), 3 (readwrite) or 4 (subscribe)')
      .openapi({ type: 'integer', description: '1 read (a message delivered to the client), 2 write (publish), 3 both, 4 subscribe' }),
  })
  .openapi('GoAuthAclRequest');
const goAuthQuery = z.object({
  response: z.enum(['json', 'text']).optional().openapi({ description: "go-auth's http_response_mode: json (default; also fits status) or text (append ?response=text to the URIs)" }),
});
const goAuthResultSchema = z.object({ ok: z.boolean(), error: z.string() }).openapi('GoAuthResult');

/** go-auth sends JSON or an HTML form (http_params_mode): both are declared, the one sent is validated. */
const jsonOrForm = <S extends z.ZodTypeAny>(schema: S) => ({
  content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
  required: false,
});

/** The metric's `check` label: a topic question refused as malformed is `acl`, as its action may be what is wrong. */
type Check = 'connect' | 'superuser' | 'acl' | TopicAction;

/**
 * The HTTP authentication and authorisation endpoint an external broker calls (EMQX 5's HTTP
 * authenticator and authorizer; mosquitto-go-auth's HTTP backend): the same answers as the
 * embedded broker gives (broker-authority.ts). The broker itself must present SC_BROKER_AUTH_TOKEN.
 */
export function createBrokerAuthRoutes(deps: BrokerAuthRoutesDeps) {
  const { authority, metrics, logger } = deps;
  const app = new OpenAPIHono<AppEnv>();

  /** A malformed question: counted, and answered in the API's error format naming the field (EMQX takes a 400 as "ignore", go-auth as "deny"). */
  const invalid = (check: Check) => (result: { success: boolean; error?: z.ZodError }, c: Context) => {
    if (result.success || !result.error) return;
    metrics.brokerHttpAuth.inc({ check, result: 'invalid' });
    return errorJson(c, 400, 'validation_failed', 'the broker\'s question does not match the expected form', validationDetails(result.error));
  };

  const record = (check: Check, verdict: Verdict, details: Record<string, unknown>) => {
    metrics.brokerHttpAuth.inc({ check, result: verdict.allow ? 'allow' : 'deny' });
    if (!verdict.allow) logger.warn({ ...details, check, reason: verdict.reason }, 'broker HTTP auth: refused');
  };

  /** go-auth's answer: 2xx allows in every response mode, anything else denies; json and text modes read the body too. */
  const goAuthAnswer = (c: Context, verdict: Verdict, mode: 'json' | 'text' | undefined) => {
    if (mode === 'text') return c.text(verdict.allow ? 'ok' : verdict.reason, verdict.allow ? 200 : 403);
    return c.json({ ok: verdict.allow, error: verdict.allow ? '' : verdict.reason }, verdict.allow ? 200 : 403);
  };

  /** The body go-auth sent, whichever of its two forms; an absent body is checked (and refused) like an empty one. */
  const goAuthBody = <S extends z.ZodTypeAny>(c: Context, schema: S): z.infer<S> | Response => {
    const form = (c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
    const raw: unknown = c.req.valid(form ? ('form' as never) : ('json' as never));
    const parsed = schema.safeParse(raw ?? {});
    return parsed.success ? parsed.data : errorJson(c, 400, 'validation_failed', 'the broker\'s question does not match the expected form', validationDetails(parsed.error));
  };

  app.openapi(
    apiRoute(deps.guard, 'broker', {
      method: 'post',
      path: BROKER_AUTH_PATHS.emqxAuthenticate,
      tags,
      summary: "EMQX 5 HTTP authenticator: may this client connect? (a box with its own secret, or the cloud's service credential as superuser)",
      request: { body: jsonBody(emqxAuthnSchema) },
      responses: { 200: jsonContent(emqxResultSchema, 'allow with is_superuser, or deny') },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const verdict = await authority.authenticate(body.username, body.password, body.clientid);
      record('connect', verdict, { broker: 'emqx', username: body.username, clientId: body.clientid, peerhost: body.peerhost });
      return c.json(verdict.allow ? { result: 'allow' as const, is_superuser: verdict.superuser } : { result: 'deny' as const }, 200);
    },
    invalid('connect'),
  );

  app.openapi(
    apiRoute(deps.guard, 'broker', {
      method: 'post',
      path: BROKER_AUTH_PATHS.emqxAuthorize,
      tags,
      summary: 'EMQX 5 HTTP authorizer: may this client publish to, or subscribe to, this topic?',
      request: { body: jsonBody(emqxAuthzSchema) },
      responses: { 200: jsonContent(emqxResultSchema.omit({ is_superuser: true }), 'allow or deny') },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const verdict = await authority.authorize({ username: body.username, clientId: body.clientid, topic: body.topic, action: body.action, retain: body.retain });
      record(body.action, verdict, { broker: 'emqx', username: body.username, clientId: body.clientid, topic: body.topic, retain: body.retain });
      return c.json({ result: verdict.allow ? ('allow' as const) : ('deny' as const) }, 200);
    },
    invalid('acl'),
  );

  const goAuthResponses = {
    200: { description: 'allowed: {"ok":true,"error":""}, or "ok" with ?response=text', content: { 'application/json': { schema: goAuthResultSchema }, 'text/plain': { schema: z.string() } } },
    403: { description: 'refused, with the reason', content: { 'application/json': { schema: goAuthResultSchema }, 'text/plain': { schema: z.string() } } },
  };

  /**
   * One mosquitto-go-auth check: its body (JSON or form) validated by `schema`, an invalid one
   * counted under `check`, and `decide`'s verdict answered in the mode go-auth asked for.
   */
  const goAuthRoute = <S extends z.ZodTypeAny>(path: string, summary: string, schema: S, check: Check, decide: (body: z.infer<S>) => Promise<Verdict> | Verdict) =>
    app.openapi(
      apiRoute(deps.guard, 'broker', {
        method: 'post',
        path,
        tags,
        summary,
        request: { query: goAuthQuery, body: jsonOrForm(schema) },
        responses: goAuthResponses,
      }),
      async (c) => {
        const body = goAuthBody(c, schema);
        if (body instanceof Response) return invalidCounted(body, check);
        // the query was validated by the route (goAuthQuery); the generic schema hides its type from Hono's inference
        const query = c.req.valid('query' as never) as z.infer<typeof goAuthQuery>;
        return goAuthAnswer(c, await decide(body), query.response);
      },
      invalid(check),
    );

  goAuthRoute(BROKER_AUTH_PATHS.goAuthUser, 'mosquitto-go-auth HTTP backend (http_getuser_uri): may this client connect?', goAuthUserSchema, 'connect', async (body) => {
    const verdict = await authority.authenticate(body.username, body.password, body.clientid);
    record('connect', verdict, { broker: 'go-auth', username: body.username, clientId: body.clientid });
    return verdict;
  });

  goAuthRoute(
    BROKER_AUTH_PATHS.goAuthSuperuser,
    "mosquitto-go-auth HTTP backend (http_superuser_uri): only the cloud's service user is a superuser",
    goAuthSuperuserSchema,
    'superuser',
    (body) => {
      const superuser = authority.superuser(body.username);
      // every box is asked about at each of its checks: a "no" here is the normal answer, counted but not logged
      metrics.brokerHttpAuth.inc({ check: 'superuser', result: superuser ? 'allow' : 'deny' });
      return { allow: superuser, reason: superuser ? 'the cloud' : 'not a superuser' };
    },
  );

  const ACC_ACTIONS: Record<number, TopicAction[]> = { 1: ['read'], 2: ['publish'], 3: ['read', 'publish'], 4: ['subscribe'] };
  goAuthRoute(
    BROKER_AUTH_PATHS.goAuthAcl,
    'mosquitto-go-auth HTTP backend (http_aclcheck_uri): may this client read, write or subscribe to this topic?',
    goAuthAclSchema,
    'acl',
    async (body) => {
      let verdict: Verdict = { allow: true, reason: 'within its topics' };
      for (const action of ACC_ACTIONS[body.acc]!) {
        verdict = await authority.authorize({ username: body.username, clientId: body.clientid, topic: body.topic, action });
        record(action, verdict, { broker: 'go-auth', username: body.username, clientId: body.clientid, topic: body.topic, acc: body.acc });
        if (!verdict.allow) break;
      }
      return verdict;
    },
  );

  /** A go-auth body refused after the declared validators (an absent body): counted like the others. */
  function invalidCounted(res: Response, check: Check): Response {
    metrics.brokerHttpAuth.inc({ check, result: 'invalid' });
    return res;
  }

  return app;
}
