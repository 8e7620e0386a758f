import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { QueryDatabase } from '../db/query/connect.js';
import type { Guard } from '../http/access.js';
import { routeBodyLimit } from '../http/body-limit.js';
import type { AppEnv } from '../http/env.js';
import { badRequest, errorJson, notFound } from '../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import { adminCodeSchema, codeSchema, communeCodeFor } from './codes.js';
import { importCommunes, IMPORT_COLUMNS, MAX_IMPORT_BYTES, type CommuneImportResult } from './commune-import.js';
import type { CommuneStore } from './commune-store.js';

const tags = ['Communes'];
const nameSchema = z.string().trim().min(1).max(100);

export const communeSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    district: z.string(),
    province: z.string(),
    adminCode: z.string().nullable().openapi({ description: 'Mã đơn vị hành chính of the commune; null until set' }),
    provinceAdminCode: z.string().nullable(),
    createdAt: z.number(),
    retiredAt: z.number().nullable().openapi({ description: 'Retired: hidden from pickers; its boxes, people and history stay' }),
    hamlets: z.number().openapi({ description: 'Hamlets not retired' }),
    edges: z.number().openapi({ description: 'Boxes not revoked' }),
    online: z.number(),
  })
  .openapi('Commune');

const communeHamletSchema = z
  .object({ code: z.string(), communeCode: z.string(), name: z.string(), position: z.number(), retiredAt: z.number().nullable(), edges: z.number(), online: z.number() })
  .openapi('CommuneHamlet');

const newHamletSchema = z.object({ code: codeSchema.optional().openapi({ description: 'Province-unique; default "<commune>-<name>"' }), name: nameSchema }).strict();

const newCommuneSchema = z
  .object({
    code: codeSchema.optional().openapi({ description: 'Default: from the name without "Xã"/"Phường" ("Xã Vị Tân" → vi-tan)' }),
    name: nameSchema,
    district: z.string().trim().max(100).optional(),
    province: nameSchema,
    adminCode: adminCodeSchema.nullable().optional(),
    provinceAdminCode: adminCodeSchema.nullable().optional(),
    hamlets: z.array(newHamletSchema).max(200).optional(),
  })
  .strict()
  .openapi('NewCommune');

const communePatchSchema = z
  .object({
    name: nameSchema,
    district: z.string().trim().max(100),
    province: nameSchema,
    adminCode: adminCodeSchema.nullable(),
    provinceAdminCode: adminCodeSchema.nullable(),
    retired: z.boolean().openapi({ description: 'true retires (refused while a box of it is online), false restores' }),
  })
  .partial()
  .strict()
  .openapi('CommunePatch');

const hamletPatchSchema = z
  .object({ name: nameSchema, retired: z.boolean().openapi({ description: 'true retires (refused while a box of it is online), false restores' }) })
  .partial()
  .strict()
  .openapi('CommuneHamletPatch');

const codeParam = z.object({ code: codeSchema.openapi({ param: { name: 'code', in: 'path' }, example: 'vi-tan' }) });
const hamletParams = codeParam.extend({ hamlet: codeSchema.openapi({ param: { name: 'hamlet', in: 'path' }, example: 'ap-1' }) });
const listQuery = z.object({ retired: z.enum(['include', 'exclude']).default('include').openapi({ description: 'exclude: only the communes in service (a picker)' }) });

const importProblemSchema = z.object({ line: z.number(), column: z.enum(IMPORT_COLUMNS).nullable(), message: z.string() });
const importSummarySchema = z
  .object({
    communes: z.object({ created: z.array(z.string()), updated: z.array(z.string()), unchanged: z.number() }),
    hamlets: z.object({ created: z.array(z.string()), updated: z.array(z.string()), unchanged: z.number() }),
  })
  .openapi('CommuneImportSummary');

/** The answer to a refused import: the first problem in the message, every one in details. */
export function importRefusal(result: Extract<CommuneImportResult, { ok: false }>) {
  const first = result.problems[0]!;
  const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : '';
  return badRequest(`nothing imported: line ${first.line}${first.column ? `, ${first.column}` : ''}: ${first.message}${more}`, result.problems);
}

/** The province admin shapes the province: communes, their hamlets, and the CSV of both. */
export function createCommunesRoutes({ guard, query, communes }: { guard: Guard; query: QueryDatabase; communes: CommuneStore }) {
  const app = new OpenAPIHono<AppEnv>();
  /** A hamlet asked for under another commune's path is no hamlet of that commune. */
  const hamletOf = async (code: string, hamlet: string) => {
    await communes.get(code);
    const found = await communes.hamlet(hamlet);
    if (found.communeCode !== code) throw notFound(`hamlet ${hamlet}`);
    return found;
  };

  app.openapi(
    apiRoute(guard, 'communes.manage', {
      method: 'get',
      path: '/communes',
      tags,
      summary: "The province's communes with their hamlet and box counts",
      request: { query: listQuery },
      responses: { 200: jsonContent(z.object({ communes: z.array(communeSchema) }), 'Communes in service first, in the order they were added') },
    }),
    async (c) => c.json({ communes: await communes.list({ includeRetired: c.req.valid('query').retired === 'include' }) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'communes.manage', {
      method: 'post',
      path: '/communes',
      tags,
      summary: 'Add a commune, optionally with its hamlets',
      request: { body: jsonBody(newCommuneSchema) },
      responses: { 201: jsonContent(communeSchema, 'The new commune'), 409: jsonContent(z.object({}), 'The code, an administrative code or a hamlet code is taken') },
    }),
    async (c) => {
      const { hamlets = [], ...body } = c.req.valid('json');
      const code = body.code ?? communeCodeFor(body.name);
      // the commune and its hamlets together: a taken hamlet code leaves no half-made commune
      return c.json(await communes.create({ ...body, code }, hamlets), 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'communes.manage', {
      method: 'get',
      path: '/communes/{code}',
      tags,
      summary: 'A commune with its hamlets (retired ones too)',
      request: { params: codeParam },
      responses: { 200: jsonContent(communeSchema.extend({ hamletList: z.array(communeHamletSchema) }), 'The commune') },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      return c.json({ ...(await communes.get(code)), hamletList: await communes.hamlets(code) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'communes.manage', {
      method: 'patch',
      path: '/communes/{code}',
      tags,
      summary: 'Rename a commune, set its administrative codes, retire or restore it',
      description: 'Retiring is refused (409) while a box of the commune is online: revoke or move its boxes first. Its people, boxes and history stay.',
      request: { params: codeParam, body: jsonBody(communePatchSchema) },
      responses: { 200: jsonContent(communeSchema, 'The commune'), 409: jsonContent(z.object({}), 'A box is online, or the administrative code is taken') },
    }),
    async (c) => c.json(await communes.update(c.req.valid('param').code, c.req.valid('json')), 200),
  );

  app.openapi(
    apiRoute(guard, 'communes.manage', {
      method: 'get',
      path: '/communes/{code}/hamlets',
      tags,
      summary: "A commune's hamlets in their order, retired ones too",
      request: { params: codeParam },
      responses: { 200: jsonContent(z.object({ hamlets: z.array(communeHamletSchema) }), 'Hamlets') },
    }),
    async (c) => c.json({ hamlets: await communes.hamlets(c.req.valid('param').code) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'communes.manage', {
      method: 'post',
      path: '/communes/{code}/hamlets',
      tags,
      summary: 'Add a hamlet at the end of the commune\'s order',
      request: { params: codeParam, body: jsonBody(newHamletSchema) },
      responses: { 201: jsonContent(communeHamletSchema, 'The new hamlet'), 409: jsonContent(z.object({}), 'The hamlet code is taken in the province, or the commune is retired') },
    }),
    async (c) => c.json(await communes.addHamlet(c.req.valid('param').code, c.req.valid('json')), 201),
  );

  app.openapi(
    apiRoute(guard, 'communes.manage', {
      method: 'put',
      path: '/communes/{code}/hamlets/order',
      tags,
      summary: "Put the commune's hamlets in this order (every one of them, each once)",
      request: { params: codeParam, body: jsonBody(z.object({ codes: z.array(codeSchema).min(1).max(500) }).strict().openapi('HamletOrder')) },
      responses: { 200: jsonContent(z.object({ hamlets: z.array(communeHamletSchema) }), 'Hamlets in their new order') },
    }),
    async (c) => c.json({ hamlets: await communes.reorder(c.req.valid('param').code, c.req.valid('json').codes) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'communes.manage', {
      method: 'patch',
      path: '/communes/{code}/hamlets/{hamlet}',
      tags,
      summary: 'Rename a hamlet, retire or restore it (its code never changes)',
      request: { params: hamletParams, body: jsonBody(hamletPatchSchema) },
      responses: { 200: jsonContent(communeHamletSchema, 'The hamlet'), 409: jsonContent(z.object({}), 'A box of the hamlet is online') },
    }),
    async (c) => {
      const { code, hamlet } = c.req.valid('param');
      await hamletOf(code, hamlet);
      return c.json(await communes.updateHamlet(hamlet, c.req.valid('json')), 200);
    },
  );

  app.openapi(
    apiRoute(
      guard,
      'communes.manage',
      {
        method: 'post',
        path: '/communes/import',
        tags,
        summary: 'Import a CSV of communes and hamlets with their official codes; all or nothing',
        description: `UTF-8 CSV (a "CSV UTF-8" from a spreadsheet), header row first, columns ${IMPORT_COLUMNS.join(', ')} (commune_name and province required). One hamlet a row; a row without hamlet_name describes the commune alone. An empty commune_code: the commune with that commune_admin_code, else one named from commune_name. An empty hamlet_code: the hamlet of that name in the commune, else "<commune>-<name>". Every bad row is named in details (line, column, what is wrong) and nothing is imported. Importing the same file again changes nothing; nothing is removed. Also as a multipart upload in the field "file". At most ${MAX_IMPORT_BYTES / 1024} KiB.`,
        request: {
          body: {
            required: false,
            content: {
              'text/csv': { schema: z.string() },
              'multipart/form-data': { schema: z.object({ file: z.instanceof(File).openapi({ type: 'string', format: 'binary' }) }) },
            },
          },
        },
        responses: { 200: jsonContent(importSummarySchema, 'What was created and updated'), 400: jsonContent(z.object({ error: z.object({ details: z.array(importProblemSchema) }) }), 'Nothing imported: every problem') },
      },
      routeBodyLimit({ maxBytes: MAX_IMPORT_BYTES + 16 * 1024, refuse: (c) => errorJson(c, 413, 'payload_too_large', `a communes file is at most ${MAX_IMPORT_BYTES / 1024} KiB`) }),
    ),
    async (c) => {
      const type = c.req.header('content-type') ?? '';
      let text: string;
      if (type.startsWith('multipart/form-data')) {
        const file = (await c.req.parseBody()).file;
        if (!(file instanceof File)) throw badRequest('the upload needs the CSV file in the "file" field', [{ path: 'file', message: 'required' }]);
        text = await file.text();
      } else text = await c.req.text();
      const result = await importCommunes(query, text);
      if (!result.ok) throw importRefusal(result);
      return c.json(result.summary, 200);
    },
  );

  return app;
}
