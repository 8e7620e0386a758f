import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, type AudioAsset } from '@smart-commune/shared';
import type { TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';
import { SessionStore } from '../../auth/session-store.js';
import type { QueryDatabase } from '../../db/query/index.js';
import { createGuard } from '../../http/access.js';
import { createApp } from '../../http/app.js';
import { bodyLimit } from '../../http/body-limit.js';
import type { CloudHandle } from '../../server.js';
import type { AlertSpeech, AlertSpeechInput } from '../alerts/alert-speech.js';
import { PlanOccurrences, type GivenOccurrence } from '../plan/plan-occurrences.js';
import { createRadio, type Radio, type RadioOptions } from '../radio.js';

/**
 * Test support for the radio (only tests import it): a real tone encoded by ffmpeg as Opus, stored
 * like a bulletin; a speech stand-in doing the same for alerts; and a radio of its own on the test
 * cloud's database, broker and fleet, with a clock that stands still until the test moves it, the
 * cloud's own radio stopped.
 */

const audioDir = mkdtempSync(join(tmpdir(), 'sc-radio-audio-'));
const tones = new Map<number, { asset: AudioAsset; file: string }>();

/** A box claimed for the hamlet through the API, once the radio has sent it its first plan; its id. */
export async function claimedEdgeWithPlan(test: TestCloud, hamletCode: string): Promise<string> {
  const { edgeId } = await claimTestEdge(test, hamletCode);
  await waitFor(() => test.cloud.fleet.documents.get(edgeId, 'schedule'), `first plan of ${edgeId}`);
  return edgeId;
}

/** A sine tone of the given length as Ogg/Opus, made once per length. */
export function toneAsset(seconds: number): { asset: AudioAsset; file: string } {
  const known = tones.get(seconds);
  if (known) return known;
  const file = join(audioDir, `tone-${seconds}s.ogg`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-ac', '1', '-c:a', 'libopus', '-b:a', '16k', file]);
  const probed = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString();
  const bytes = readFileSync(file);
  const asset: AudioAsset = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, durationMs: Math.round(Number(probed) * 1000), mime: 'audio/ogg' };
  tones.set(seconds, { asset, file });
  return { asset, file };
}

/** Stores a bulletin with a tone of the given length, as the bulletins domain would (either database). */
export async function insertBulletin(
  { db }: QueryDatabase,
  input: { title: string; seconds: number; text?: string; createdBy?: string | null },
): Promise<{ id: string; asset: AudioAsset; durationMs: number }> {
  const { asset } = toneAsset(input.seconds);
  const id = newId('bul');
  const now = Date.now();
  await db
    .insertInto('audio_assets')
    .values({ sha256: asset.sha256, bytes: asset.bytes, duration_ms: asset.durationMs, mime: asset.mime, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('bulletins')
    .values({
      id,
      title: input.title,
      kind: 'tts',
      text: input.text ?? null,
      spoken_text: input.text ?? null,
      asset_sha256: asset.sha256,
      duration_ms: asset.durationMs,
      loudness_lufs: -16,
      true_peak_dbtp: -1.5,
      created_by: input.createdBy ?? null,
      created_at: now,
    })
    .execute();
  return { id, asset, durationMs: asset.durationMs };
}

/** A schedule playing the bulletin daily at 05:30 to every hamlet, as the schedules API stores it (either database). */
export async function insertDailySchedule(
  { db }: QueryDatabase,
  input: { bulletinId: string; title: string; durationMs: number; communeCode?: string | null },
): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('schedules')
    .values({
      id: `sch_${input.bulletinId}`,
      title: input.title,
      bulletin_id: input.bulletinId,
      duration_ms: input.durationMs,
      starts_local: '2026-12-01T05:30',
      time_zone: 'Asia/Ho_Chi_Minh',
      rrule: 'FREQ=DAILY',
      priority: 'normal',
      volume: 80,
      targets: '{"all":true}',
      created_at: now,
      updated_at: now,
      commune_code: input.communeCode ?? null,
    })
    .execute();
}

/**
 * Records that a box was given these occurrences in a plan, as the plan publisher does when it
 * publishes: for proof-of-play fixtures of days gone by.
 */
export function givenInPlan(q: QueryDatabase, edgeId: string, occurrences: GivenOccurrence[]): Promise<void> {
  return new PlanOccurrences(q).record(edgeId, occurrences);
}

/** Speaks by storing a 3-second tone as the alert's bulletin; remembers each request. */
export function toneSpeech(q: QueryDatabase): AlertSpeech & { requests: AlertSpeechInput[] } {
  const requests: AlertSpeechInput[] = [];
  return {
    requests,
    async speak(request) {
      requests.push(request);
      const bulletin = await insertBulletin(q, { title: request.title, seconds: 3, text: request.text, createdBy: request.createdBy });
      return { bulletinId: bulletin.id, asset: bulletin.asset, durationMs: bulletin.durationMs };
    },
  };
}

export interface RadioKit {
  radio: Radio;
  speech: ReturnType<typeof toneSpeech>;
  clock: { now(): number; advance(ms: number): void };
  /** JSON (or raw text with a content type) through the kit's app; parses JSON replies, keeps the exact text. */
  request(method: string, path: string, body?: unknown, options?: { token?: string | null; contentType?: string }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startRadioKit(cloud: CloudHandle, adminToken: string, options: Partial<Omit<RadioOptions, 'now'>> = {}, logger = cloud.logger): Promise<RadioKit> {
  await cloud.radio.stop();
  let current = Date.now();
  const clock = { now: () => current, advance: (ms: number) => void (current += ms) };
  const speech = toneSpeech(cloud.query);
  const radio = await createRadio({ ...cloud, bus: cloud.events, logger, speech, options: { checkEveryMs: 100, ...options, now: clock.now } });
  const guard = createGuard(new SessionStore(cloud.query, cloud.config.SC_SESSION_TTL_S * 1000), cloud.fleet.credentials);
  const app = createApp([bodyLimit(), ...radio.routes(guard)], cloud.metrics, cloud.logger, 'test');
  return {
    radio,
    speech,
    clock,
    async request(method, path, body, { token = adminToken, contentType } = {}) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
      const res = await app.request(path, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
      // keeps a byte order mark (Response.text() would drop it)
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // CSV and other text stays as it is
      }
      return { status: res.status, body: parsed, text, headers: res.headers };
    },
    stop: () => radio.stop(),
  };
}
