import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../protocol.js';
import { topics } from '../topics.js';
import { decodeEdgeMessage, decodePayload, describeIssues } from './decode.js';
import { telemetrySchema, type Telemetry } from './telemetry.js';

const edgeId = 'edg_5k2m9q8x4c7t';

const telemetry = (): Telemetry => ({
  ts: 1_750_000_000_000,
  hostname: 'tu-ap-1',
  softwareVersion: '0.1.0',
  protocolVersion: 1,
  intervalS: 10,
  uptimeS: { host: 3600, daemon: 120 },
  load: [0.1, 0.2, 0.3],
  memory: { totalBytes: 1_000_000_000, freeBytes: 500_000_000, daemonRssBytes: 50_000_000 },
  disk: { path: '/var/lib/sc-edge', totalBytes: 32_000_000_000, freeBytes: 20_000_000_000 },
  temperatureC: 48.5,
  clock: { offsetMs: -3, roundTripMs: 12, measuredAt: 1_750_000_000_000 },
  mqtt: { reconnects: 0, outboxPending: 0 },
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('decodeEdgeMessage with valid payloads', () => {
  it('decodes telemetry and returns the parsed topic', () => {
    const result = decodeEdgeMessage(topics.telemetry(edgeId), json(telemetry()));
    expect(result).toEqual({ ok: true, topic: { edgeId, channel: 'telemetry', name: '' }, message: telemetry() });
  });

  it("takes a box's live view addresses only as http(s): the console turns them into links", () => {
    const withLiveView = (urls: string[]) => decodeEdgeMessage(topics.telemetry(edgeId), json({ ...telemetry(), liveView: { urls } }));
    expect(withLiveView(['http://192.168.10.20:8090/'])).toMatchObject({ ok: true, message: { liveView: { urls: ['http://192.168.10.20:8090/'] } } });
    for (const url of ['javascript://%0aalert(1)/', 'mailto:ky-thuat@vitan.vn', 'not a url']) {
      expect(withLiveView([url])).toMatchObject({ ok: false, reason: expect.stringContaining('liveView.urls.0') });
    }
  });

  it('decodes availability, reported documents, events and command messages', () => {
    const now = 1_750_000_000_000;
    const cases: [string, unknown][] = [
      [topics.availability(edgeId), { state: 'offline', ts: now }],
      [topics.reported(edgeId, 'config'), { version: 3, status: 'applied', ts: now }],
      [topics.reported(edgeId, 'config'), { version: 4, status: 'rejected', ts: now, error: 'bad interval' }],
      [topics.event(edgeId, 'lifecycle'), { eventId: 'evt_12345678', ts: now, body: { phase: 'started', softwareVersion: '0.1.0', bootId: 'b1' } }],
      [topics.res(edgeId, 'ping'), { transaction: 't-1', ts: now, ok: true, body: { t1: now, t2: now + 1 } }],
      [topics.res(edgeId, 'ping'), { transaction: 't-2', ts: now, ok: false, error: { code: 'busy', message: 'try later' } }],
      [topics.req(edgeId, 'ping'), { transaction: 't-3', sentAt: now, body: {} }],
      [topics.desired(edgeId, 'config'), { version: 1, issuedAt: now, body: { telemetryIntervalS: 10 } }],
    ];
    for (const [topic, payload] of cases) {
      const result = decodeEdgeMessage(topic, json(payload));
      expect(result, topic).toMatchObject({ ok: true, message: payload });
    }
  });

  it('accepts a string payload as well as a Buffer', () => {
    expect(decodeEdgeMessage(topics.availability(edgeId), JSON.stringify({ state: 'online', ts: 1 })).ok).toBe(true);
  });

  it('does not pass unknown fields through', () => {
    const result = decodeEdgeMessage(topics.availability(edgeId), json({ state: 'online', ts: 1, injected: true }));
    expect(result.ok && result.message).toEqual({ state: 'online', ts: 1 });
  });
});

describe('decodeEdgeMessage with malformed payloads', () => {
  it('refuses a topic outside the contract without a parsed topic', () => {
    expect(decodeEdgeMessage('sc/v1/edges/e1/logs', json({}))).toEqual({
      ok: false,
      reason: 'topic is not part of the sc/v1 edge contract',
      topic: null,
    });
  });

  it('refuses bytes that are not JSON, naming the edge', () => {
    const result = decodeEdgeMessage(topics.telemetry(edgeId), Buffer.from('{"ts": 1,'));
    expect(result).toEqual({ ok: false, reason: 'payload is not valid JSON', topic: { edgeId, channel: 'telemetry', name: '' } });
  });

  it('names the field that fails its schema', () => {
    const bad = { ...telemetry(), memory: { ...telemetry().memory, freeBytes: -1 } };
    const result = decodeEdgeMessage(topics.telemetry(edgeId), json(bad));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^memory\.freeBytes: /);
  });

  it('names a missing field and a wrong enum value', () => {
    const { hostname: _omitted, ...withoutHostname } = telemetry();
    const missing = decodeEdgeMessage(topics.telemetry(edgeId), json(withoutHostname));
    expect(!missing.ok && missing.reason).toMatch(/hostname/);
    const wrongState = decodeEdgeMessage(topics.availability(edgeId), json({ state: 'sleeping', ts: 1 }));
    expect(!wrongState.ok && wrongState.reason).toMatch(/^state: /);
  });

  it('reports a payload of the wrong type at the root', () => {
    const result = decodeEdgeMessage(topics.availability(edgeId), json('online'));
    expect(!result.ok && result.reason).toMatch(/^\(root\): /);
  });

  it('refuses unknown documents, commands and event kinds by name', () => {
    expect(decodeEdgeMessage(topics.reported(edgeId, 'no-such-doc'), json({ version: 1, status: 'applied', ts: 1 }))).toMatchObject({
      ok: false,
      reason: 'unknown document "no-such-doc"',
      topic: { edgeId, channel: 'reported', name: 'no-such-doc' },
    });
    expect(decodeEdgeMessage(topics.res(edgeId, 'no-such-command'), json({}))).toMatchObject({ ok: false, reason: 'unknown command "no-such-command"' });
    expect(decodeEdgeMessage(topics.req(edgeId, 'no-such-command'), json({}))).toMatchObject({ ok: false, reason: 'unknown command "no-such-command"' });
    expect(decodeEdgeMessage(topics.event(edgeId, 'no-such-kind'), json({}))).toMatchObject({ ok: false, reason: 'unknown event kind "no-such-kind"' });
    // names that exist on every object are not documents
    expect(decodeEdgeMessage(topics.desired(edgeId, 'toString'), json({}))).toMatchObject({ ok: false, reason: 'unknown document "toString"' });
  });

  it('refuses a command response whose body does not fit the command', () => {
    const result = decodeEdgeMessage(topics.res(edgeId, 'ping'), json({ transaction: 't', ts: 1, ok: true, body: { t1: 'soon' } }));
    expect(result.ok).toBe(false);
  });

  it('refuses an event with a too short eventId', () => {
    const result = decodeEdgeMessage(
      topics.event(edgeId, 'lifecycle'),
      json({ eventId: 'short', ts: 1, body: { phase: 'started', softwareVersion: '0.1.0', bootId: 'b' } }),
    );
    expect(!result.ok && result.reason).toMatch(/^eventId: /);
  });

  it('refuses a payload over the size limit before parsing it', () => {
    const huge = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
    const result = decodeEdgeMessage(topics.telemetry(edgeId), huge);
    expect(!result.ok && result.reason).toBe(`payload of ${MAX_PAYLOAD_BYTES + 1} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  });

  it('measures string payloads in bytes, not characters', () => {
    // 'Ấ' is 3 bytes in UTF-8: a string under the limit in characters can be over it in bytes
    const text = 'Ấ'.repeat(Math.floor(MAX_PAYLOAD_BYTES / 3) + 1);
    expect(text.length).toBeLessThan(MAX_PAYLOAD_BYTES);
    const result = decodePayload(telemetrySchema, JSON.stringify(text));
    expect(!result.ok && result.reason).toMatch(/exceeds/);
  });
});

describe('describeIssues', () => {
  it('lists at most five issues as path: message', () => {
    const parsed = telemetrySchema.safeParse({});
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const described = describeIssues(parsed.error);
    expect(described.split('; ')).toHaveLength(5);
    expect(described).toMatch(/^ts: /);
  });
});
