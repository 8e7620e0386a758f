import { OpenAPIHono, z } from '@hono/zod-openapi';
import { logLevelNames, MAX_LOG_LINES } from '@smart-commune/shared';
import { requestIp } from '../audit/request-ip.js';
import type { Guard } from '../http/access.js';
import { currentUser } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import { edgeIdParam } from './http-schemas.js';
import type { EdgeMaintenance, PowerCommand } from './maintenance.js';
import { boxInScope, type BoxCommunes } from './box-scope.js';

const tags = ['Fleet'];

const logsRequest = z
  .object({
    lines: z.number().int().min(1).max(MAX_LOG_LINES).default(200).openapi({ description: 'the newest this many matching lines' }),
    minLevel: z.enum(logLevelNames).default('info').openapi({ description: 'this level and above' }),
    from: z.number().int().nonnegative().nullable().default(null).openapi({ description: 'epoch ms, inclusive (box clock)' }),
    to: z.number().int().nonnegative().nullable().default(null).openapi({ description: 'epoch ms, exclusive (box clock)' }),
  })
  .refine((q) => q.from === null || q.to === null || q.from < q.to, { message: '"from" must be before "to"', path: ['from'] })
  .openapi('EdgeLogsRequest');

const logLine = z.object({
  at: z.number().nullable(),
  level: z.number().nullable(),
  levelName: z.enum(logLevelNames).nullable(),
  msg: z.string(),
  text: z.string().openapi({ description: 'the line as the box wrote it (one pino JSON object)' }),
});

const logsResult = z
  .object({
    edgeId: z.string(),
    fetchedAt: z.number(),
    lines: z.array(logLine),
    truncated: z.boolean().openapi({ description: 'older matching lines were left out (line count or size)' }),
    oldestAt: z.number().nullable().openapi({ description: 'time of the oldest line the box still holds' }),
    fileLogging: z.boolean().openapi({ description: 'false: the box writes no log file' }),
  })
  .openapi('EdgeLogs');

const doctorResult = z
  .object({
    edgeId: z.string(),
    ok: z.boolean(),
    checks: z.array(z.object({ id: z.string(), vi: z.string(), en: z.string(), ok: z.boolean(), detail: z.string() })),
    startedAt: z.number(),
    finishedAt: z.number(),
  })
  .openapi('EdgeDoctor');

const powerRequest = z
  .object({
    reason: z.string().trim().min(3).max(500).openapi({ description: 'why (logged on the box and audited)', example: 'loa không phát sau khi mất điện' }),
    force: z.boolean().default(false).openapi({ description: 'go ahead even while an emergency alert is on air' }),
  })
  .openapi('EdgePowerRequest');

const powerResult = z
  .object({
    edgeId: z.string(),
    command: z.enum(['restart', 'reboot']),
    at: z.number(),
    forced: z.boolean(),
    overrode: z.string().nullable().openapi({ description: 'the emergency a forced request went over' }),
  })
  .openapi('EdgePowerResult');

const busy = {
  409: jsonContent(z.object({}), "The box is offline (`edge_offline`), its version does not support this command (`edge_unsupported`), or an emergency alert is on air (`emergency_on_air`: send again with force)"),
  502: jsonContent(z.object({}), 'The box refused or failed (its error code and message)'),
  504: jsonContent(z.object({}), 'No answer in time'),
};

/** Remote maintenance of a box: logs, doctor, restart, reboot (fleet.edges.diagnose, fleet.edges.restart). */
export function createMaintenanceRoutes(deps: { guard: Guard; maintenance: EdgeMaintenance; edges: BoxCommunes }) {
  const { guard, maintenance } = deps;
  const app = new OpenAPIHono<AppEnv>();
  const inScope = boxInScope(deps.edges);

  app.openapi(
    apiRoute(guard, 'fleet.edges.diagnose', {
      method: 'post',
      path: '/edges/{id}/logs',
      tags,
      summary: "Fetch the box's recent log lines: the newest N at a level and above, optionally within a time range",
      request: { params: edgeIdParam, body: jsonBody(logsRequest) },
      responses: { 200: jsonContent(logsResult, 'The lines, oldest first'), ...busy },
    }, inScope),
    async (c) => c.json(await maintenance.logs(c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    apiRoute(guard, 'fleet.edges.diagnose', {
      method: 'post',
      path: '/edges/{id}/doctor',
      tags,
      summary: 'Run the checks of `sc-edge doctor` on the box and return each result',
      request: { params: edgeIdParam },
      responses: { 200: jsonContent(doctorResult, 'Each check with its verdict'), ...busy },
    }, inScope),
    async (c) => c.json(await maintenance.doctor(c.req.valid('param').id), 200),
  );

  const power = (command: PowerCommand, summary: string) =>
    app.openapi(
      apiRoute(guard, 'fleet.edges.restart', {
        method: 'post',
        path: `/edges/{id}/${command}`,
        tags,
        summary,
        request: { params: edgeIdParam, body: jsonBody(powerRequest) },
        responses: { 200: jsonContent(powerResult, 'The box accepted and is doing it'), ...busy },
      }, inScope),
      async (c) => {
        const by = { username: currentUser(c).username, ip: requestIp(c) };
        return c.json(await maintenance.power(c.req.valid('param').id, command, c.req.valid('json'), by), 200);
      },
    );
  power('restart', 'Restart the box daemon (with a reason; refused while an emergency alert is on air unless forced)');
  power('reboot', 'Reboot the box (with a reason; refused while an emergency alert is on air unless forced)');

  return app;
}
