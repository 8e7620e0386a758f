import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Guard } from '../../http/access.js';
import { currentUser } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { routeBodyLimit } from '../../http/body-limit.js';
import { badRequest, errorJson, notFound } from '../../http/errors.js';
import { apiRoute, jsonBody, jsonContent } from '../../http/route.js';
import type { AssetStore } from '../audio/asset-store.js';
import { assetResponse } from '../audio/asset-response.js';
import { SPEECH_SPEED_WPM, type TtsEngine } from '../tts/tts-engine.js';
import { MAX_ABBREVIATION } from '../tts/pronunciation-dictionary.js';
import type { PronunciationDictionaries } from '../tts/pronunciation-dictionaries.js';
import type { BulletinService } from './bulletin-service.js';
import type { BulletinStore } from './bulletin-store.js';
import type { User } from '../../users/user-store.js';
import { communeCodeInput } from '../scope/commune-input.js';

export interface BulletinsRoutesDeps {
  guard: Guard;
  store: BulletinStore;
  service: BulletinService;
  assets: AssetStore;
  tts: TtsEngine;
  /** The province's dictionary and each commune's layer: a person edits the one of where they write. */
  dictionaries: PronunciationDictionaries;
  defaultVoice: string;
  maxUploadBytes: number;
  /** The commune a person's new bulletin belongs to (radio-scope.ts communeForWrite). */
  communeFor(person: User, asked: string | null | undefined): Promise<string | null>;
}

const tags = ['Radio'];

const assetSchema = z.object({ sha256: z.string(), bytes: z.number(), durationMs: z.number(), mime: z.string() });
const bulletinSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    kind: z.enum(['tts', 'upload']),
    text: z.string().nullable(),
    spokenText: z.string().nullable(),
    voice: z.string().nullable(),
    speed: z.number().nullable(),
    originalName: z.string().nullable(),
    asset: assetSchema,
    durationMs: z.number(),
    integratedLufs: z.number(),
    truePeakDbtp: z.number(),
    createdBy: z.string().nullable(),
    createdAt: z.number(),
    communeCode: z.string().nullable().openapi({ description: "The commune it belongs to; null: the province's own, which communes read but do not change" }),
  })
  .openapi('Bulletin');

const previewSchema = z
  .object({
    text: z.string().trim().min(1).max(5000),
    voice: z.string().max(64).optional(),
    speed: z.number().int().min(80).max(300).optional(),
  })
  .openapi('SpeechPreview');

const speechSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    text: z.string().trim().min(1).max(5000),
    voice: z.string().max(64).optional(),
    speed: z.number().int().min(80).max(300).optional(),
    communeCode: communeCodeInput,
  })
  .openapi('SpeechBulletin');

const uploadSchema = z
  .object({
    title: z.string({ error: 'the upload needs a title' }).trim().min(1, 'the upload needs a title').max(200),
    file: z.instanceof(File, { message: 'the upload needs an audio file in the "file" field' }).openapi({ type: 'string', format: 'binary' }),
    communeCode: z.string().max(64).optional().openapi({ description: 'A province-level person writing for one commune; empty: the province\'s own' }),
  })
  .openapi('UploadBulletin');

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  q: z.string().max(100).optional(),
});
const idParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }) });
const abbreviationParam = z.object({ abbreviation: z.string().min(1).max(MAX_ABBREVIATION).openapi({ param: { name: 'abbreviation', in: 'path' } }) });
const shaParam = z.object({ sha256: z.string().regex(/^[a-f0-9]{64}$/, 'must be a lower-case hex sha256').openapi({ param: { name: 'sha256', in: 'path' } }) });

/** Bulletins (speech or upload), their audio for preview, and the asset downloads of edge boxes. */
export function createBulletinsRoutes(deps: BulletinsRoutesDeps) {
  const { guard, store, service } = deps;
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    apiRoute(guard, 'radio.bulletins.write', {
      method: 'get',
      path: '/tts/voices',
      tags,
      summary: 'Voices of the speech engine (Northern, Central, Southern Vietnamese)',
      responses: { 200: jsonContent(z.object({ engine: z.string(), defaultVoice: z.string(), voices: z.array(z.object({ id: z.string(), label: z.string() })) }), 'Voices') },
    }),
    (c) => c.json({ engine: deps.tts.id, defaultVoice: deps.defaultVoice, voices: [...deps.tts.voices] }, 200),
  );

  const entrySchema = z
    .object({ abbreviation: z.string(), expansion: z.string(), source: z.enum(['default', 'custom', 'commune']) })
    .openapi('PronunciationEntry', { description: "source: shipped (default), the province's change (custom), or the person's commune's own (commune)" });
  const dictionaryResponse = jsonContent(z.object({ entries: z.array(entrySchema) }), 'The dictionary');
  // a commune's people read and change their commune's layer; a province-level person the province's,
  // which reaches every commune (a single-commune install's admin: the same file as before issue 10)
  const dictionaryFor = (c: Context<AppEnv>) => deps.dictionaries.of(currentUser(c).communeCode);
  const entries = (c: Context<AppEnv>) => dictionaryFor(c).entries().map((e) => ({ abbreviation: e.abbreviation, expansion: e.expansion, source: e.source }));

  app.openapi(
    apiRoute(guard, 'radio.dictionary.manage', {
      method: 'get',
      path: '/tts/dictionary',
      tags,
      summary: 'Abbreviations the speech engine expands (UBND → Ủy ban nhân dân, …)',
      responses: { 200: dictionaryResponse },
    }),
    (c) => c.json({ entries: entries(c) }, 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.dictionary.manage', {
      method: 'put',
      path: '/tts/dictionary/{abbreviation}',
      tags,
      summary: 'Add or change how an abbreviation is read',
      request: {
        params: abbreviationParam,
        body: jsonBody(z.object({ expansion: z.string().trim().min(1).max(200) }).openapi('PronunciationChange')),
      },
      responses: { 200: dictionaryResponse },
    }),
    (c) => {
      const dictionary = dictionaryFor(c);
      dictionary.set(c.req.valid('param').abbreviation, c.req.valid('json').expansion);
      dictionary.save();
      return c.json({ entries: entries(c) }, 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.dictionary.manage', {
      method: 'delete',
      path: '/tts/dictionary/{abbreviation}',
      tags,
      summary: 'Stop expanding an abbreviation',
      request: { params: abbreviationParam },
      responses: { 200: dictionaryResponse },
    }),
    (c) => {
      const { abbreviation } = c.req.valid('param');
      const dictionary = dictionaryFor(c);
      if (!dictionary.delete(abbreviation)) throw notFound(`abbreviation ${abbreviation}`);
      dictionary.save();
      return c.json({ entries: entries(c) }, 200);
    },
  );

  const uploadLimit = routeBodyLimit({
    maxBytes: deps.maxUploadBytes,
    refuse: (c) => errorJson(c, 413, 'payload_too_large', `the upload is larger than ${Number((deps.maxUploadBytes / 1048576).toFixed(1))} MiB`),
  });
  app.openapi(
    apiRoute(
      guard,
      'radio.bulletins.write',
      {
        method: 'post',
        path: '/bulletins',
        tags,
        summary: 'Create a bulletin from Vietnamese text (speech) or an uploaded audio file (multipart: title, file)',
        description: 'Audio is loudness-normalised (EBU R128, -16 LUFS, true peak <= -1.5 dBTP), framed by the chime and stored content-addressed.',
        request: {
          // not "required": with it, both validators run on every request whatever its content type
          body: { required: false, content: { 'application/json': { schema: speechSchema }, 'multipart/form-data': { schema: uploadSchema } } },
        },
        responses: {
          201: jsonContent(bulletinSchema, 'The bulletin with its normalised audio'),
          413: jsonContent(z.object({}), 'Larger than the upload limit (SC_MAX_UPLOAD_BYTES)'),
          415: jsonContent(z.object({}), 'Not an audio file'),
          422: jsonContent(z.object({}), 'Audio damaged, empty or too long; or text that cannot be spoken'),
        },
      },
      uploadLimit,
    ),
    async (c) => {
      const person = currentUser(c);
      const createdBy = person.id;
      if ((c.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
        const form = await c.req.parseBody();
        const title = typeof form.title === 'string' ? form.title.trim() : '';
        const file = form.file;
        if (!title) throw badRequest('the upload needs a title', [{ path: 'title', message: 'required' }]);
        if (!(file instanceof File)) throw badRequest('the upload needs an audio file in the "file" field', [{ path: 'file', message: 'required' }]);
        // a form cannot send null: an empty field is the province's own
        const asked = typeof form.communeCode === 'string' ? communeCodeInput.parse(form.communeCode === '' ? null : form.communeCode) : undefined;
        const communeCode = await deps.communeFor(person, asked);
        const bulletin = await service.createUpload({ title, originalName: file.name, bytes: new Uint8Array(await file.arrayBuffer()), createdBy, communeCode });
        return c.json(bulletin, 201);
      }
      const body = speechSchema.parse(await c.req.json());
      const communeCode = await deps.communeFor(person, body.communeCode);
      const bulletin = await service.createSpeech({ title: body.title, text: body.text, voice: body.voice ?? deps.defaultVoice, speed: body.speed ?? SPEECH_SPEED_WPM.default, createdBy, communeCode });
      return c.json(bulletin, 201);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.bulletins.read', {
      method: 'get',
      path: '/bulletins',
      tags,
      summary: "List bulletins, newest first: a commune's people see their commune's and the province's own",
      request: { query: listQuery },
      responses: { 200: jsonContent(z.object({ bulletins: z.array(bulletinSchema), total: z.number() }), 'A page of bulletins') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(await store.list({ limit: q.limit, offset: q.offset, search: q.q, viewer: currentUser(c) }), 200);
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.bulletins.read', {
      method: 'get',
      path: '/bulletins/{id}',
      tags,
      summary: 'One bulletin',
      request: { params: idParam },
      responses: { 200: jsonContent(bulletinSchema, 'The bulletin') },
    }),
    async (c) => c.json(await store.get(c.req.valid('param').id, currentUser(c)), 200),
  );

  app.openapi(
    apiRoute(guard, 'radio.bulletins.write', {
      method: 'get',
      path: '/bulletins/{id}/audio',
      tags,
      summary: 'The bulletin audio as it will play (Range requests supported), for preview',
      request: { params: idParam },
      responses: { 200: { description: 'Audio', content: { 'audio/ogg': { schema: z.string() }, 'audio/mpeg': { schema: z.string() } } } },
    }),
    async (c) => {
      const bulletin = await store.get(c.req.valid('param').id, currentUser(c));
      return assetResponse(c, deps.assets, bulletin.asset, { 'cache-control': 'private, max-age=86400' });
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.bulletins.write', {
      method: 'post',
      path: '/bulletins/preview',
      tags,
      summary: 'Hear a text as it would be read, before saving it as a bulletin (nothing is stored)',
      description: 'Rendered by the fast path of emergency alerts (about half a second): loudness within the EBU R128 tolerance, framed by the chime. Headers x-duration-ms, x-integrated-lufs and x-true-peak-dbtp describe it.',
      request: { body: jsonBody(previewSchema) },
      responses: {
        200: { description: 'Audio', content: { 'audio/ogg': { schema: z.string() }, 'audio/mpeg': { schema: z.string() } } },
        422: jsonContent(z.object({}), 'Text that cannot be spoken'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      // heard as it will be read: with the dictionary of the commune the person writes for
      const communeCode = await deps.communeFor(currentUser(c), undefined);
      const preview = await service.preview({ text: body.text, voice: body.voice ?? deps.defaultVoice, speed: body.speed ?? SPEECH_SPEED_WPM.default, communeCode });
      return c.body(new Uint8Array(preview.audio), 200, {
        'content-type': preview.mime,
        'cache-control': 'no-store',
        'x-duration-ms': String(Math.round(preview.durationMs)),
        'x-integrated-lufs': preview.integratedLufs.toFixed(1),
        'x-true-peak-dbtp': preview.truePeakDbtp.toFixed(1),
      });
    },
  );

  app.openapi(
    apiRoute(guard, 'radio.bulletins.write', {
      method: 'delete',
      path: '/bulletins/{id}',
      tags,
      summary: 'Delete a draft bulletin (one never scheduled, alerted or played)',
      request: { params: idParam },
      responses: {
        204: { description: 'Deleted' },
        403: jsonContent(z.object({}), "The province's own bulletin, asked by a commune's person"),
        409: jsonContent(z.object({}), 'Scheduled or broadcast: it stays on record'),
      },
    }),
    async (c) => {
      await store.delete(c.req.valid('param').id, currentUser(c));
      return c.body(null, 204);
    },
  );

  app.openapi(
    apiRoute(guard, 'device', {
      method: 'get',
      path: '/assets/{sha256}',
      tags,
      summary: "An audio asset, for edge boxes prefetching their plan (resumable with Range); only one a bulletin of the box's commune or of the province plays",
      request: { params: shaParam },
      responses: { 200: { description: 'Audio', content: { 'application/octet-stream': { schema: z.string() } } }, 404: jsonContent(z.object({}), 'Unknown asset') },
    }),
    async (c) => {
      const { sha256 } = c.req.valid('param');
      const asset = await deps.assets.get(sha256);
      // another commune's audio is as unknown as a missing one (issue 10)
      if (!asset || !(await store.assetFor(sha256, c.get('edgeId')!))) throw notFound(`asset ${sha256}`);
      return assetResponse(c, deps.assets, asset, { etag: `"${sha256}"`, 'cache-control': 'private, max-age=31536000, immutable' });
    },
  );

  return app;
}
