import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import { describeSignerKey, parseSignerKey } from '../cap/signer-key.js';
import type { TrustedSender, TrustedSenders } from './trusted-senders.js';

const tags = ['Radio'];

/** As CAP writes a sender (§3.2.1): no spaces, commas, "<" or "&". */
const senderSchema = z.string().trim().min(1).max(200).regex(/^[^\s,<&]+$/, 'a CAP sender has no spaces, commas, "<" or "&"');

const certificateSchema = z
  .object({
    kind: z.enum(['x509', 'public_key']),
    sha256: z.string().openapi({ description: 'SHA-256 fingerprint of the certificate (of the public key for a bare key), as openssl prints it' }),
    subject: z.string().nullable(),
    issuer: z.string().nullable(),
    validFrom: z.number().nullable(),
    validTo: z.number().nullable(),
    pem: z.string(),
  })
  .openapi('TrustedSenderCertificate');
const trustedSenderSchema = z
  .object({ sender: z.string(), note: z.string(), addedAt: z.number(), certificate: certificateSchema.nullable().openapi({ description: 'null: trusted by name; else its messages must carry a valid XML signature by this key' }) })
  .openapi('TrustedSender');
const listSchema = z.object({ senders: z.array(trustedSenderSchema) });

/** The province's trusted CAP senders: only their messages play on their own. */
export function createTrustedSendersRoutes({ guard, trusted }: { guard: Guard; trusted: TrustedSenders }) {
  const app = new OpenAPIHono<AppEnv>();
  const list = async () => ({ senders: (await trusted.list()).map(toJson) });

  app.openapi(
    apiRoute(guard, 'radio.alerts.manage', {
      method: 'get',
      path: '/alerts/trusted-senders',
      tags,
      summary: 'The CAP senders whose messages play without an operator\'s confirmation',
      responses: { 200: jsonContent(listSchema, 'The trusted senders') },
    }),
    async (c) => c.json(await list(), 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.alerts.senders.manage', {
      method: 'post',
      path: '/alerts/trusted-senders',
      tags,
      summary: 'Trust a CAP sender (compared exactly with a message\'s sender), with the certificate it signs with if it signs',
      request: {
        body: jsonBody(
          z
            .object({
              sender: senderSchema,
              note: z.string().trim().max(200).optional(),
              certificate: z.string().max(16_384).optional().openapi({ description: 'PEM X.509 certificate (or PEM public key) the sender signs its CAP messages with' }),
            })
            .strict(),
        ),
      },
      responses: { 201: jsonContent(trustedSenderSchema, 'The sender, trusted'), 409: jsonContent(z.object({}), 'Already trusted') },
    }),
    async (c) => {
      const { sender, note, certificate } = c.req.valid('json');
      return c.json(toJson(await trusted.add(sender, note ?? '', currentUser(c).id, certificate ?? null)), 201);
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
    async (c) => {
      await trusted.remove(c.req.valid('param').sender);
      return c.json(await list(), 200);
    },
  );

  return app;
}

function toJson({ sender, note, addedAt, signerPem }: TrustedSender) {
  const parsed = signerPem ? parseSignerKey(signerPem) : null;
  return { sender, note, addedAt, certificate: parsed?.ok ? { ...describeSignerKey(parsed.key), pem: signerPem! } : null };
}
