import { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '@smart-commune/shared/runtime';
import type { CloudMetrics } from '../metrics.js';
import type { AppEnv } from './env.js';
import { createErrorHandler, errorJson, validationDetails } from './errors.js';

export interface Mount {
  /** Path prefix, '/' for the root. */
  prefix: string;
  app: OpenAPIHono<AppEnv>;
}

export const API_PREFIX = '/api/v1';

/** The HTTP server: per-domain sub-apps mounted with `app.route()`, one error format, latency metrics, the OpenAPI document. */
export function createApp(mounts: Mount[], metrics: CloudMetrics, logger: Logger, version: string) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return errorJson(c, 400, 'validation_failed', 'the request does not match the expected form', validationDetails(result.error));
    },
  });

  app.use(async (c, next) => {
    const stop = metrics.httpDuration.startTimer();
    await next();
    stop({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) });
  });

  for (const { prefix, app: sub } of mounts) app.route(prefix, sub);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'deviceBasic', { type: 'http', scheme: 'basic' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'brokerToken', { type: 'http', scheme: 'bearer', description: 'SC_BROKER_AUTH_TOKEN' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'brokerBasic', { type: 'http', scheme: 'basic', description: 'any user name, SC_BROKER_AUTH_TOKEN as the password' });
  app.doc31(`${API_PREFIX}/openapi.json`, {
    openapi: '3.1.0',
    info: {
      title: 'Smart Commune control plane',
      version,
      description: 'HTTP API of the Smart Commune cloud. Errors are {"error":{"code","message","details"}}.',
    },
  });

  app.notFound((c) => errorJson(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path}`));
  app.onError(createErrorHandler(logger));
  return app;
}
