import { describe, expect, it } from 'vitest';
import { decodeDesired } from './desired.js';
import { parseLeniently } from './lenient.js';
import { configBodySchema } from '../messages/documents.js';
import { footageBodySchema } from '../messages/footage.js';
import { scheduleBodySchema } from '../messages/radio.js';

const asset = { sha256: 'a'.repeat(64), bytes: 1000, durationMs: 5000, mime: 'audio/ogg' };
const item = (n: number, extra: Record<string, unknown> = {}) => ({
  occurrenceId: `sch_${n}:1800000000000`,
  scheduleId: `sch_${n}`,
  bulletinId: null,
  title: `Bản tin ${n}`,
  source: { kind: 'asset', asset },
  startAt: 1_800_000_000_000 + n * 60_000,
  durationMs: 5000,
  priority: 'normal',
  volume: 100,
  zones: null,
  ...extra,
});
const schedule = (items: unknown[]) => ({ windowStart: 1_799_999_700_000, windowEnd: 1_800_176_400_000, items });

describe('parseLeniently: the radio plan (desired/schedule)', () => {
  it('leaves out an item of an unknown source kind and one of an unknown priority, keeps the others and names them with their original index', () => {
    const body = schedule([item(1), item(2, { source: { kind: 'relay', stationId: 'vov1' } }), item(3), item(4, { priority: 'evacuation' }), item(5)]);
    const result = parseLeniently(scheduleBodySchema, body);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.items.map((i) => i.scheduleId)).toEqual(['sch_1', 'sch_3', 'sch_5']);
    expect(result.ignored).toEqual([
      { path: 'items.1.source.kind', value: '"relay"', effect: 'dropped', left: 'items.1', label: 'sch_2:1800000000000 (Bản tin 2)' },
      { path: 'items.3.priority', value: '"evacuation"', effect: 'dropped', left: 'items.3', label: 'sch_4:1800000000000 (Bản tin 4)' },
    ]);
  });

  it('keeps an item with a field it does not know, and lists that field', () => {
    const result = parseLeniently(scheduleBodySchema, schedule([item(1, { fadeInMs: 500 })]));
    expect(result).toMatchObject({ ok: true, ignored: [{ path: 'items.0.fadeInMs', value: '500', effect: 'unknown-field', left: 'items.0.fadeInMs', label: null }] });
    if (result.ok) expect(result.value.items).toHaveLength(1);
  });

  it('still refuses what is an error and not a version gap: a volume out of range, a missing title', () => {
    const range = parseLeniently(scheduleBodySchema, schedule([item(1), item(2, { volume: 150 })]));
    expect(range).toMatchObject({ ok: false, reason: expect.stringContaining('items.1.volume') });
    const { title: _title, ...untitled } = item(3);
    expect(parseLeniently(scheduleBodySchema, schedule([untitled]))).toMatchObject({ ok: false, reason: expect.stringContaining('items.0.title') });
  });

  it('takes a valid plan as it is, reporting nothing, and does not change the value it was given', () => {
    const body = schedule([item(1), item(2, { source: { kind: 'stream', url: 'https://radio.example.vn/a.mp3' } })]);
    const copy = structuredClone(body);
    expect(parseLeniently(scheduleBodySchema, body)).toEqual({ ok: true, value: scheduleBodySchema.parse(body), ignored: [] });
    const mixed = schedule([item(1), item(2, { priority: 'evacuation' })]);
    parseLeniently(scheduleBodySchema, mixed);
    expect(mixed.items).toHaveLength(2);
    expect(body).toEqual(copy);
  });

  it('keeps the known items of a plan with many unknown ones, listing 99 and counting the rest', () => {
    const unknown = Array.from({ length: 150 }, (_, n) => item(n + 10, { priority: 'evacuation' }));
    const result = parseLeniently(scheduleBodySchema, schedule([item(1), ...unknown, item(2)]));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.items.map((i) => i.scheduleId)).toEqual(['sch_1', 'sch_2']);
    expect(result.ignored).toHaveLength(100);
    expect(result.ignored[98]).toMatchObject({ path: 'items.99.priority', effect: 'dropped' });
    expect(result.ignored[99]).toEqual({ path: '', value: '', effect: 'more', left: '', label: null, count: 51 });
  });

  it('names an unknown field met in every item once, with how many times', () => {
    const result = parseLeniently(scheduleBodySchema, schedule(Array.from({ length: 3000 }, (_, n) => item(n, { fadeInMs: 500 }))));
    expect(result).toMatchObject({ ok: true, ignored: [{ path: 'items.*.fadeInMs', value: '500', effect: 'unknown-field', left: 'items.*.fadeInMs', label: null, count: 3000 }] });
    if (result.ok) expect(result.value.items).toHaveLength(3000);
  });
});

describe('parseLeniently: the config document (desired/config)', () => {
  const speaker = (zone: string, driver: string) => ({ zone, driver, target: '127.0.0.1:5004' });
  const camera = (id: string, source: unknown, rules: unknown[] = []) => ({ id, name: id, source, zones: [], rules });
  const rtsp = { kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/cam' };

  it('reads an unknown log level and player policy as absent (their defaults), and drops a speaker of an unknown driver', () => {
    const body = {
      telemetryIntervalS: 10,
      logLevel: 'verbose',
      radio: { speakers: [speaker('main', 'rtp'), speaker('cho', 'dante'), speaker('truong', 'sim')], interruptedPolicy: 'restart' },
    };
    const result = parseLeniently(configBodySchema, body);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.logLevel).toBeUndefined();
    expect(result.value.radio?.interruptedPolicy).toBe('resume');
    expect(result.value.radio?.speakers.map((s) => s.zone)).toEqual(['main', 'truong']);
    expect(result.ignored).toEqual(
      expect.arrayContaining([
        { path: 'logLevel', value: '"verbose"', effect: 'defaulted', left: 'logLevel', label: null },
        { path: 'radio.interruptedPolicy', value: '"restart"', effect: 'defaulted', left: 'radio.interruptedPolicy', label: null },
        { path: 'radio.speakers.1.driver', value: '"dante"', effect: 'dropped', left: 'radio.speakers.1', label: 'cho' },
      ]),
    );
    expect(result.ignored).toHaveLength(3);
  });

  it('drops a camera of an unknown source kind and keeps the other cameras running', () => {
    const body = { telemetryIntervalS: 10, surveillance: { cameras: [camera('gate', rtsp), camera('cho', { kind: 'webrtc', url: 'https://x' })] } };
    const result = parseLeniently(configBodySchema, body);
    expect(result).toMatchObject({ ok: true, ignored: [{ path: 'surveillance.cameras.1.source.kind', effect: 'dropped', left: 'surveillance.cameras.1', label: 'cho (cho)' }] });
    if (result.ok) expect(result.value.surveillance?.cameras.map((c) => c.id)).toEqual(['gate']);
  });

  it('refuses a document whose required top-level value is unknown: nothing smaller can be left out', () => {
    expect(parseLeniently(configBodySchema, { telemetryIntervalS: 'often' })).toMatchObject({ ok: false, reason: expect.stringContaining('telemetryIntervalS') });
  });
});

describe('parseLeniently: footage requests (desired/footage)', () => {
  const request = (id: string, extra: Record<string, unknown> = {}) => ({ id, cameraId: 'gate', fromMs: 1_800_000_000_000, toMs: 1_800_000_060_000, ...extra });

  it('keeps every request and lists a field it does not know', () => {
    const result = parseLeniently(footageBodySchema, { requests: [request('ftg_aaaaaaaa'), request('ftg_bbbbbbbb', { quality: 'high' })] });
    expect(result).toMatchObject({ ok: true, ignored: [{ path: 'requests.1.quality', value: '"high"', effect: 'unknown-field' }] });
    if (result.ok) expect(result.value.requests).toHaveLength(2);
  });
});

describe('decodeDesired', () => {
  it('names paths from the envelope and reports the version of a refused body', () => {
    const ok = decodeDesired('schedule', JSON.stringify({ version: 7, issuedAt: 1_800_000_000_000, body: schedule([item(1), item(2, { priority: 'evacuation' })]) }));
    expect(ok).toMatchObject({ ok: true, desired: { version: 7 }, ignored: [{ path: 'body.items.1.priority', left: 'body.items.1' }] });
    const refused = decodeDesired('config', JSON.stringify({ version: 8, issuedAt: 1_800_000_000_000, body: { telemetryIntervalS: 1 } }));
    expect(refused).toMatchObject({ ok: false, version: 8, reason: expect.stringMatching(/^body\.telemetryIntervalS: /) });
    expect(decodeDesired('config', '{"version":"x"}')).toMatchObject({ ok: false, version: 0 });
  });
});

describe('parseLeniently on every desired document the MQTT guide shows', () => {
  it('reports nothing ignored for documents this version wrote (no false unknown fields from defaults or transforms)', async () => {
    const { readFileSync } = await import('node:fs');
    const guide = readFileSync(new URL('../../../docs/mqtt-api.md', import.meta.url), 'utf8');
    const examples = [...guide.matchAll(/Example on `sc\/v1\/edges\/[^/]+\/desired\/(\w+)`[^\n]*\n(?:[^\n]*\n)?\n?```json\n(.*?)\n```/gs)];
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const [, doc, json] of examples) {
      const decoded = decodeDesired(doc as 'config', json!);
      expect(decoded, `${doc}: ${json!.slice(0, 80)}`).toMatchObject({ ok: true, ignored: [] });
    }
  });
});
