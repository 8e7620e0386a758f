import { OpenAPIHono, z } from '@hono/zod-openapi';
import { timeResponseSchema } from '@smart-commune/shared';
import type { QueryDatabase } from '../db/query/index.js';
import type { BrokerLink } from '../broker/link.js';
import type { Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonContent } from '../http/route.js';
import type { CloudMetrics } from '../metrics.js';
import type { ExportPublicKey } from '../evidence/signing-key.js';
import type { MediaBudgetState } from '../incidents/media-budget.js';
import type { MediaBackend } from '../storage/media-store.js';

export interface SystemRoutesDeps {
  guard: Guard;
  /** The query layer (SQLite or PostgreSQL): the health check asks the database itself. */
  query: QueryDatabase;
  broker: BrokerLink;
  metrics: CloudMetrics;
  startedAt: number;
  /** The key evidence exports are signed with: recipients compare its fingerprint (sc-cloud verify-export --fingerprint). */
  exportKey: ExportPublicKey;
  mediaBudget: () => MediaBudgetState;
  /** Where the media are kept (storage/open-media-store.ts): the data dir, or an S3 bucket. */
  media: { backend: MediaBackend; bucket?: string };
}

const healthSchema = z
  .object({
    status: z.literal('ok'),
    database: z.enum(['sqlite', 'postgres']).openapi({ description: 'Where the data is: the SQLite file in SC_DATA_DIR, or PostgreSQL (SC_DATABASE_URL)' }),
    uptimeS: z.number(),
    edgesOnline: z.number(),
    edgesConnected: z.number().nullable(),
    exportSigningKey: z.object({
      algorithm: z.literal('Ed25519'),
      fingerprint: z.string().openapi({ description: 'SHA-256 (hex) of the DER public key: pass it to `sc-cloud verify-export --fingerprint`' }),
      publicKeyPem: z.string(),
    }),
    media: z.object({
      backend: z.enum(['local', 's3']).openapi({ description: 'Where audio, incident media and report photos are: the data dir (local) or an S3-compatible bucket (SC_S3_*)' }),
      bucket: z.string().optional(),
    }),
    incidentMedia: z.object({
      budgetBytes: z.number(),
      usedBytes: z.number(),
      source: z
        .enum(['configured', 'volume', 'unbounded'])
        .openapi({ description: 'SC_INCIDENT_MEDIA_MAX_BYTES, half the volume holding the local store, or none of the cloud\'s own (S3 without the setting: the bucket\'s quota)' }),
    }),
  })
  .openapi('Health');

/** Liveness, Prometheus metrics and the clock edges synchronise with. */
export function createSystemRoutes({ guard, query, broker, metrics, startedAt, exportKey, mediaBudget, media }: SystemRoutesDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'public', {
      method: 'get',
      path: '/healthz',
      tags: ['System'],
      summary: 'Liveness: the database answers and the broker runs; the key evidence exports are signed with; incident media budget and use',
      responses: { 200: jsonContent(healthSchema, 'Healthy') },
    }),
    async (c) => {
      const { n } = await query.db
        .selectFrom('edge_state')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('online', '=', 1)
        .executeTakeFirstOrThrow();
      const { algorithm, fingerprint, publicKeyPem } = exportKey;
      return c.json(
        {
          status: 'ok' as const,
          database: query.dialect,
          uptimeS: (Date.now() - startedAt) / 1000,
          edgesOnline: Number(n),
          edgesConnected: broker.connectedEdges(),
          exportSigningKey: { algorithm, fingerprint, publicKeyPem },
          media,
          incidentMedia: mediaBudget(),
        },
        200,
      );
    },
  );

  app.openapi(
    apiRoute(guard, 'public', {
      method: 'get',
      path: '/metrics',
      tags: ['System'],
      summary: 'Prometheus metrics: connected edges, MQTT messages in/out, rejected payloads, HTTP latency',
      responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );

  app.openapi(
    apiRoute(guard, 'public', {
      method: 'get',
      path: '/api/v1/time',
      tags: ['System'],
      summary: 'The cloud clock, for NTP-style offset estimation by edges',
      responses: { 200: jsonContent(timeResponseSchema, 'Receive and send times in ms since the epoch') },
    }),
    (c) => {
      const receivedAt = Date.now();
      return c.json({ receivedAt, sentAt: Date.now() }, 200);
    },
  );

  return app;
}
