import { describe, expect, it } from 'vitest';
import { decodeEdgeMessage, describeIssues } from './decode.js';
import { parseProbeAddress, probeAddressSchema } from './camera-discovery.js';
import { incidentEventSchema } from './incident-events.js';
import { incidentMediaPath } from './incident-media.js';
import { cameraSettingsSchema, surveillanceSettingsSchema } from './surveillance-settings.js';

const camera = {
  id: 'gate',
  name: 'Cổng trường',
  source: { kind: 'rtsp', url: 'rtsp://127.0.0.1:8554/cam' },
  zones: [{ id: 'yard', name: 'Sân', polygon: [[0, 0], [1, 0], [1, 1]] }],
  rules: [{ id: 'night', name: 'Ban đêm', zone: 'yard', windows: [{ start: '22:00', end: '05:00' }] }],
};

describe('surveillance settings', () => {
  it('fills the Frigate-like defaults: 5 fps, 5 s pre and post capture, the six classes', () => {
    const parsed = cameraSettingsSchema.parse(camera);
    expect(parsed.detect).toEqual({ fps: 5, width: 640, classes: ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'] });
    expect(parsed.record).toEqual({ enabled: true, preCaptureSeconds: 5, postCaptureSeconds: 5, mode: 'events', continuousDays: 7 });
    expect(parsed.rules[0]).toMatchObject({ enabled: true, minDwellSeconds: 0, cooldownSeconds: 0 });
    expect(surveillanceSettingsSchema.parse({ cameras: [camera] }).storage.ringMinutes).toBe(10);
  });

  it('records 24/7 when asked, and a recording mode from a newer cloud falls back to events instead of refusing the camera', () => {
    expect(cameraSettingsSchema.parse({ ...camera, record: { mode: 'continuous', continuousDays: 14 } }).record).toMatchObject({ mode: 'continuous', continuousDays: 14 });
    expect(cameraSettingsSchema.parse({ ...camera, record: { mode: 'motion-only' } }).record).toMatchObject({ mode: 'events', continuousDays: 7 });
    expect(cameraSettingsSchema.safeParse({ ...camera, record: { mode: 'continuous', continuousDays: 0 } }).success).toBe(false);
  });

  it('names a rule whose zone the camera does not have', () => {
    const result = cameraSettingsSchema.safeParse({ ...camera, rules: [{ id: 'r', name: 'r', zone: 'road' }] });
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)).toContain('rules.0.zone: camera gate has no zone "road"');
  });

  it('refuses a camera defined twice, a polygon outside the picture and a bad time', () => {
    const twice = surveillanceSettingsSchema.safeParse({ cameras: [camera, camera] });
    expect(describeIssues(twice.error!)).toContain('cameras.1.id: camera "gate" is defined twice');
    const outside = cameraSettingsSchema.safeParse({ ...camera, zones: [{ id: 'z', name: 'z', polygon: [[0, 0], [1.5, 0], [1, 1]] }], rules: [] });
    expect(describeIssues(outside.error!)).toMatch(/^zones\.0\.polygon\.1\.0:/);
    const time = cameraSettingsSchema.safeParse({ ...camera, rules: [{ id: 'r', name: 'r', windows: [{ start: '24:00', end: '05:00' }] }] });
    expect(describeIssues(time.error!)).toContain('must be HH:MM');
  });

  it('decodes an incident event and refuses one without a valid clip hash', () => {
    const body = {
      incidentId: 'inc_0123456789', cameraId: 'gate', ruleId: 'night', zoneId: 'yard', label: 'person', score: 0.8, trackId: 3,
      startedAt: 1_800_000_000_000, detectedAt: 1_800_000_001_000, endedAt: null, box: { x: 0.1, y: 0.2, width: 0.1, height: 0.3 },
      snapshot: { sha256: 'a'.repeat(64), bytes: 1000 }, clip: null,
    };
    const ok = decodeEdgeMessage('sc/v1/edges/edge-1/events/incident', JSON.stringify({ eventId: 'evt_12345678', ts: 1_800_000_001_000, body }));
    expect(ok.ok).toBe(true);
    const bad = decodeEdgeMessage('sc/v1/edges/edge-1/events/incident', JSON.stringify({ eventId: 'evt_12345678', ts: 1_800_000_001_000, body: { ...body, clip: { sha256: 'XYZ', bytes: 5, durationMs: 10_000 } } }));
    expect(bad).toMatchObject({ ok: false, reason: expect.stringContaining('body.clip.sha256') });
  });

  it("reads an older box's incident as a closed alert item, and keeps a newer one's item fields", () => {
    const old = {
      incidentId: 'inc_0123456789', cameraId: 'gate', ruleId: 'night', zoneId: 'yard', label: 'person', score: 0.8, trackId: 3,
      startedAt: 1_800_000_000_000, detectedAt: 1_800_000_001_000, endedAt: null, box: { x: 0.1, y: 0.2, width: 0.1, height: 0.3 },
      snapshot: null, clip: null,
    };
    expect(incidentEventSchema.parse(old)).toMatchObject({ severity: 'alert', state: 'closed', continues: null, objects: [], timeline: [], clipParts: [], flood: false });
    const item = incidentEventSchema.parse({
      ...old, severity: 'detection', state: 'open', continues: 'inc_9876543210',
      objects: [{ trackId: 3, label: 'person', score: 0.8, firstSeenAt: 1, lastSeenAt: 2, box: old.box }],
      timeline: [{ at: 1, trackId: 3, label: 'person', kind: 'stationary' }],
      clipParts: [{ index: 0, startMs: 1, durationMs: 30_000, sha256: 'b'.repeat(64), bytes: 10 }],
    });
    expect(item).toMatchObject({ severity: 'detection', state: 'open', continues: 'inc_9876543210', objects: [{ zoneIds: [], ruleIds: [], snapshot: null }] });
    // a severity this version does not know (a newer box's) is an alert, not a refused event
    expect(incidentEventSchema.parse({ ...old, severity: 'critical' }).severity).toBe('alert');
    const tooMany = incidentEventSchema.safeParse({ ...old, timeline: Array.from({ length: 257 }, () => item.timeline[0]) });
    expect(describeIssues(tooMany.error!)).toContain('timeline');
  });

  it('gives rules a severity and cameras review settings with defaults; an unknown severity does not refuse the document', () => {
    const parsed = cameraSettingsSchema.parse(camera);
    expect(parsed.rules[0]!.severity).toBe('alert');
    expect(parsed.review).toEqual({ closeAfterSeconds: 10, maxSeconds: 300, floodPerHour: 60 });
    const newer = surveillanceSettingsSchema.safeParse({ cameras: [{ ...camera, rules: [{ ...camera.rules[0], severity: 'urgent' }] }] });
    expect(newer.success && newer.data.cameras[0]!.rules[0]!.severity).toBe('alert');
    expect(cameraSettingsSchema.parse({ ...camera, rules: [{ ...camera.rules[0], severity: 'detection' }] }).rules[0]!.severity).toBe('detection');
  });

  it('names upload paths of an item: the old ones unchanged, objects and parts beside them', () => {
    expect(incidentMediaPath('inc_0123456789', 'snapshot')).toBe('/api/v1/device/incidents/inc_0123456789/snapshot');
    expect(incidentMediaPath('inc_0123456789', 'snapshot', { trackId: 4 })).toBe('/api/v1/device/incidents/inc_0123456789/objects/4/snapshot');
    expect(incidentMediaPath('inc_0123456789', 'clip', { part: 2 })).toBe('/api/v1/device/incidents/inc_0123456789/parts/2/clip');
  });
});

describe('probe addresses', () => {
  it('takes an IPv4 address or host name with an optional port, and names what is wrong otherwise', () => {
    expect(['192.168.1.64', '192.168.1.64:3702', 'cam-cong.local', ' 10.0.0.9:80 '].map((a) => probeAddressSchema.safeParse(a).success)).toEqual([true, true, true, true]);
    expect(parseProbeAddress('192.168.1.64')).toEqual({ host: '192.168.1.64', port: 3702 });
    expect(parseProbeAddress('cam-cong.local:8000')).toEqual({ host: 'cam-cong.local', port: 8000 });
    const error = (a: string) => probeAddressSchema.safeParse(a).error?.issues[0]?.message;
    expect(error('192.168.1.64:0')).toBe('the port is between 1 and 65535');
    expect(error('192.168.1.64:70000')).toBe('the port is between 1 and 65535');
    expect(error('999.1.1.1')).toBe('each part of an IPv4 address is at most 255');
    expect(error('http://192.168.1.64')).toMatch(/IPv4 address or host name/);
  });
});
