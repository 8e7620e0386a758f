import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { currentUser, type Guard } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { badRequest, errorJson } from '../http/errors.js';
import { routeBodyLimit } from '../http/body-limit.js';
import { apiRoute, jsonBody, jsonContent } from '../http/route.js';
import { locationOfOutline, type HamletLocation, type HamletPlaces, type LocationInput } from './hamlet-places.js';
import { checkCircle, checkOutline, MAX_OUTLINE_POINTS, parseLocationFile, parseOutlineText, RADIUS_M } from './location-import.js';

const tags = ['Fleet'];
/** A commune's hamlets with outlines fit in far less. */
const MAX_IMPORT_BYTES = 2 * 1024 * 1024;

const latLon = z.tuple([z.number(), z.number()]);
const locationBody = z
  .object({
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    radiusM: z.number().min(RADIUS_M.min).max(RADIUS_M.max).optional(),
    outline: z
      .union([z.string().max(60_000), z.array(latLon).max(MAX_OUTLINE_POINTS)])
      .nullable()
      .optional()
      .openapi({ description: '[[lat, lon], …], or CAP\'s "lat,lon lat,lon …"' }),
  })
  .strict()
  .openapi('HamletLocationInput');

const locationSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    radiusM: z.number().nullable(),
    outline: z.array(latLon).nullable(),
    source: z.enum(['own', 'boxes', 'none']).openapi({ description: 'own: entered or imported; boxes: circles around its boxes; none: unknown' }),
    boxes: z.array(z.object({ id: z.string(), lat: z.number(), lon: z.number() })),
    boxRadiusM: z.number(),
  })
  .openapi('HamletLocation');

const codesSchema = z
  .object({
    adminCode: z.string().trim().regex(/^\d{1,10}$/, 'digits only').nullable(),
    provinceAdminCode: z.string().trim().regex(/^\d{1,10}$/, 'digits only').nullable(),
  })
  .openapi('CommuneAdminCodes');

/** Checked feature by feature after this, so that every bad one is named. */
const featureCollection = z.object({ type: z.literal('FeatureCollection'), features: z.array(z.unknown()) }).passthrough();

const communeQuery = z.object({ commune: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a commune code').optional().openapi({ description: 'For a province-level person: which commune' }) });

const codeParam = z.object({ code: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a hamlet code').openapi({ param: { name: 'code', in: 'path' }, example: 'ap-2a' }) });

const out = (h: HamletLocation) => ({
  code: h.code,
  name: h.name,
  lat: h.location?.lat ?? null,
  lon: h.location?.lon ?? null,
  radiusM: h.location?.radiusM ?? null,
  outline: h.location?.outline?.map(([lat, lon]) => [lat, lon] as [number, number]) ?? null,
  source: h.location ? ('own' as const) : h.boxes.length ? ('boxes' as const) : ('none' as const),
  boxes: h.boxes,
  boxRadiusM: h.boxRadiusM,
});

/** A PUT body as a location: centre and radius, optionally an outline; or an outline alone. */
function locationFrom(body: z.infer<typeof locationBody>): LocationInput {
  let outline = null;
  if (typeof body.outline === 'string') {
    const parsed = parseOutlineText(body.outline);
    if (typeof parsed === 'string') throw badRequest(`outline: ${parsed}`, [{ path: 'outline', message: parsed }]);
    outline = parsed;
  } else if (body.outline) {
    const problem = checkOutline(body.outline);
    if (problem) throw badRequest(`outline: ${problem}`, [{ path: 'outline', message: problem }]);
    outline = body.outline;
  }
  const { lat, lon, radiusM } = body;
  if (lat !== undefined && lon !== undefined && radiusM !== undefined) {
    const problem = checkCircle(lat, lon, radiusM);
    if (problem) throw badRequest(problem);
    return { lat, lon, radiusM, outline };
  }
  if (lat === undefined && lon === undefined && radiusM === undefined && outline) return locationOfOutline(outline);
  throw badRequest('give lat, lon and radiusM, or an outline alone', [{ path: 'radiusM', message: 'lat, lon and radiusM go together' }]);
}

/** Where the hamlets lie and the commune's administrative codes: what CAP alerts' areas are compared with. */
export function createHamletPlacesRoutes({ guard, places }: { guard: Guard; places: HamletPlaces }) {
  const app = new OpenAPIHono<AppEnv>();
  // a commune's person sees, imports and sets only their commune's hamlets: another's is unknown (404)
  const known = async (c: Context<AppEnv>) => new Set((await places.list(currentUser(c))).map((h) => h.code));

  app.openapi(
    apiRoute(guard, 'hamlets.locations.manage', {
      method: 'get',
      path: '/hamlets/locations',
      tags,
      summary: 'Every hamlet with its location (own, or its boxes as the fallback)',
      responses: { 200: jsonContent(z.object({ hamlets: z.array(locationSchema) }), 'Hamlets in their usual order') },
    }),
    async (c) => c.json({ hamlets: (await places.list(currentUser(c))).map(out) }, 200),
  );

  app.openapi(
    apiRoute(
      guard,
      'hamlets.locations.manage',
      {
        method: 'post',
        path: '/hamlets/locations',
        tags,
        summary: 'Import many hamlets\' locations: CSV (code,lat,lon,radius_m[,outline]) or a GeoJSON FeatureCollection; all or nothing',
        description:
          'CSV: one hamlet a row, the header row optional, the outline in CAP\'s form "lat,lon lat,lon …" (quoted). GeoJSON: features with properties.code and a Point (properties.radius_m) or a Polygon. Also as a multipart upload in the field "file". Every bad row is named in details and nothing is imported.',
        request: {
          body: {
            required: false,
            content: {
              'text/csv': { schema: z.string() },
              'application/geo+json': { schema: featureCollection },
              'application/json': { schema: featureCollection },
              'multipart/form-data': { schema: z.object({ file: z.instanceof(File, { message: 'the upload needs the location file in the "file" field' }).openapi({ type: 'string', format: 'binary' }) }) },
            },
          },
        },
        responses: { 200: jsonContent(z.object({ imported: z.number(), hamlets: z.array(locationSchema) }), 'The hamlets after the import') },
      },
      // a file of many outlines may pass the default body limit: up to MAX_IMPORT_BYTES, once the guard has let the person in
      routeBodyLimit({ maxBytes: MAX_IMPORT_BYTES, refuse: (c) => errorJson(c, 413, 'payload_too_large', `a location file is at most ${MAX_IMPORT_BYTES / 1048576} MiB`) }),
    ),
    async (c) => {
      const type = c.req.header('content-type') ?? '';
      let text: string;
      if (type.startsWith('multipart/form-data')) {
        const file = (await c.req.parseBody()).file;
        if (!(file instanceof File)) throw badRequest('the upload needs the location file in the "file" field', [{ path: 'file', message: 'required' }]);
        text = await file.text();
      } else text = await c.req.text();
      const result = parseLocationFile(text, await known(c));
      if (!result.ok) {
        const first = result.problems[0]!;
        const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : '';
        throw badRequest(`nothing imported: ${first.at}${first.code ? ` (${first.code})` : ''}: ${first.message}${more}`, result.problems);
      }
      await places.set(result.locations, currentUser(c));
      return c.json({ imported: result.locations.size, hamlets: (await places.list(currentUser(c))).map(out) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'hamlets.locations.manage', {
      method: 'get',
      path: '/hamlets/{code}/location',
      tags,
      summary: 'Where a hamlet lies',
      request: { params: codeParam },
      responses: { 200: jsonContent(locationSchema, 'The hamlet\'s location') },
    }),
    async (c) => c.json(out(await places.get(c.req.valid('param').code, currentUser(c))), 200),
  );

  app.openapi(
    apiRoute(guard, 'hamlets.locations.manage', {
      method: 'put',
      path: '/hamlets/{code}/location',
      tags,
      summary: 'Set where a hamlet lies: centre and radius, and optionally its outline (or an outline alone)',
      request: { params: codeParam, body: jsonBody(locationBody) },
      responses: { 200: jsonContent(locationSchema, 'The hamlet\'s location') },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const person = currentUser(c);
      await places.get(code, person); // 404 before anything else
      await places.set(new Map([[code, locationFrom(c.req.valid('json'))]]), person);
      return c.json(out(await places.get(code, person)), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'commune.codes.read', {
      method: 'get',
      path: '/commune/admin-codes',
      tags,
      summary: 'The administrative unit codes (mã đơn vị hành chính) of the commune and its province',
      description: "A commune's people get their commune's; a province-level person names the commune (?commune=), unless the province has one commune in service.",
      request: { query: communeQuery },
      responses: { 200: jsonContent(codesSchema, 'null until set') },
    }),
    async (c) => c.json(await places.codes(await places.communeFor(currentUser(c), c.req.valid('query').commune)), 200),
  );

  app.openapi(
    apiRoute(guard, 'commune.codes.manage', {
      method: 'put',
      path: '/commune/admin-codes',
      tags,
      summary: 'Set the administrative unit codes CAP geocodes are compared with',
      description: "A commune's people set their commune's; a province-level person names the commune (?commune=), unless the province has one commune in service.",
      request: { query: communeQuery, body: jsonBody(codesSchema) },
      responses: { 200: jsonContent(codesSchema, 'The codes'), 409: jsonContent(z.object({}), "The commune's code is already another commune's") },
    }),
    async (c) => {
      const commune = await places.communeFor(currentUser(c), c.req.valid('query').commune);
      await places.setCodes(commune, c.req.valid('json'));
      return c.json(await places.codes(commune), 200);
    },
  );

  return app;
}
