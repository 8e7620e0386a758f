import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import type { TrustedSenders } from './trusted-senders.js';

const tags = ['Radio'];

/** As CAP writes a sender (§3.2.1): no spaces, commas, "<" or "&". */
const senderSchema = z.string().trim().min(1).max(200).regex(/^[^\s,<&]+$/, 'a CAP sender has no spaces, commas, "<" or "&"');

const trustedSenderSchema = z.object({ sender: z.string(), note: z.string(), addedAt: z.number() }).openapi('TrustedSender');
const listSchema = z.object({ senders: z.array(trustedSenderSchema) });

/** The province's trusted CAP senders: only their messages play on their own. */
export function createTrustedSendersRoutes({ guard, trusted }: { guard: Guard; trusted: TrustedSenders }) {
  const app = new OpenAPIHono<AppEnv>();
  const list = () => ({ senders: trusted.list().map(({ sender, note, addedAt }) => ({ sender, note, addedAt })) });

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'get',
      path: '/alerts/trusted-senders',
      tags,
      summary: 'The CAP senders whose messages play without an operator\'s confirmation',
      responses: { 200: jsonContent(listSchema, 'The trusted senders') },
    }),
    (c) => c.json(list(), 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.senders.manage', {
      method: 'post',
      path: '/alerts/trusted-senders',
      tags,
      summary: 'Trust a CAP sender (compared exactly with a message\'s sender)',
      request: { body: jsonBody(z.object({ sender: senderSchema, note: z.string().trim().max(200).optional() }).strict()) },
      responses: { 201: jsonContent(trustedSenderSchema, 'The sender, trusted'), 409: jsonContent(z.object({}), 'Already trusted') },
    }),
    (c) => {
      const { sender, note } = c.req.valid('json');
      const added = trusted.add(sender, note ?? '', currentUser(c).id);
      return c.json({ sender: added.sender, note: added.note, addedAt: added.addedAt }, 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.senders.manage', {
      method: 'delete',
      path: '/alerts/trusted-senders/{sender}',
      tags,
      summary: 'Stop trusting a CAP sender: its next messages are held',
      request: { params: z.object({ sender: senderSchema.openapi({ param: { name: 'sender', in: 'path' }, example: 'canhbao@kttv-haugiang.gov.vn' }) }) },
      responses: { 200: jsonContent(listSchema, 'The trusted senders left') },
    }),
    (c) => {
      trusted.remove(c.req.valid('param').sender);
      return c.json(list(), 200);
    },
  );

  return app;
}
