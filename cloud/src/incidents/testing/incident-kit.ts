import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectAsync, type MqttClient } from 'mqtt';
import { CONTENT_SHA256_HEADER, incidentMediaKinds, incidentMediaPath, newId, topics, type IncidentEventInput, type IncidentMediaKind, type IncidentMediaRef } from '@smart-commune/shared';
import type { Reply, TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { waitFor } from '../../../../test-support/wait.js';

const media = (name: string) => readFileSync(fileURLToPath(new URL(`../../../../../shared/media/${name}`, import.meta.url)));
/** A real frame and a real 20 s clip of the commune's test footage. */
export const SNAPSHOT = media('vtest-frame-10s.jpg');
export const CLIP = media('vtest-20s.mp4');
export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** What the edge announces about a file it wrote. */
export const announce = (bytes: Buffer) => ({ sha256: sha256(bytes), bytes: bytes.length });

/** An event as a box from before review items sends it (no item fields); overrides add them. */
export function incidentEvent(overrides: Partial<IncidentEventInput> = {}): IncidentEventInput {
  const detectedAt = Date.now() - 1000;
  return {
    incidentId: newId('inc', 16),
    cameraId: 'cong-truong',
    ruleId: 'dem-nguoi',
    zoneId: 'san',
    label: 'person',
    score: 0.82,
    trackId: 7,
    startedAt: detectedAt - 2000,
    detectedAt,
    endedAt: null,
    box: { x: 0.4, y: 0.3, width: 0.1, height: 0.3 },
    snapshot: announce(SNAPSHOT),
    clip: null,
    ...overrides,
  };
}

/** A claimed box that speaks to the cloud as a real edge would: incidents over MQTT with its own credentials, files over HTTP. */
export interface IncidentEdge {
  edgeId: string;
  password: string;
  /** Publishes `events/incident` and waits until the cloud shows the incident's latest facts. */
  publish(event: IncidentEventInput, options?: { eventId?: string; ts?: number }): Promise<string>;
  upload(incidentId: string, kind: IncidentMediaKind, bytes: Buffer, options?: { sha256?: string; contentType?: string; ref?: IncidentMediaRef }): Promise<Reply>;
  close(): Promise<void>;
}

export async function connectIncidentEdge(test: TestCloud, hamletCode = 'ap-1'): Promise<IncidentEdge> {
  const { edgeId, password } = await claimTestEdge(test, hamletCode);
  const client: MqttClient = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edgeId, username: edgeId, password, reconnectPeriod: 0 });
  const applied = async (edge: string, eventId: string) =>
    (await test.cloud.query.db.selectFrom('incident_events').select('event_id').where('edge_id', '=', edge).where('event_id', '=', eventId).executeTakeFirst()) !== undefined;
  return {
    edgeId,
    password,
    async publish(event, options = {}) {
      const eventId = options.eventId ?? newId('evt', 16);
      await client.publishAsync(topics.event(edgeId, 'incident'), JSON.stringify({ eventId, ts: options.ts ?? Date.now(), body: event }), { qos: 1 });
      await waitFor(() => applied(edgeId, eventId), `incident event ${eventId} applied`);
      await test.cloud.events.settled(); // what applying it audits and publishes after its transaction
      return eventId;
    },
    async upload(incidentId, kind, bytes, options = {}) {
      return uploadAs(test, { edgeId, password }, incidentId, kind, bytes, options);
    },
    async close() {
      await client.endAsync();
    },
  };
}

/** PUT of one incident file with device credentials, through `app.request()`. */
export async function uploadAs(
  test: TestCloud,
  device: { edgeId: string; password: string },
  incidentId: string,
  kind: IncidentMediaKind,
  bytes: Buffer,
  options: { sha256?: string; contentType?: string; ref?: IncidentMediaRef } = {},
): Promise<Reply> {
  const res = await test.cloud.app.request(incidentMediaPath(incidentId, kind, options.ref), {
    method: 'PUT',
    headers: {
      authorization: `Basic ${Buffer.from(`${device.edgeId}:${device.password}`).toString('base64')}`,
      'content-type': options.contentType ?? incidentMediaKinds[kind],
      [CONTENT_SHA256_HEADER]: options.sha256 ?? sha256(bytes),
    },
    body: new Uint8Array(bytes),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A logged-in user of the given role; returns the bearer token. */
export async function userWithRole(test: TestCloud, role: 'police' | 'operator' | 'technician' | 'viewer' | 'admin', username = `${role}-1`): Promise<{ id: string; token: string }> {
  const created = await test.request<{ id: string }>('POST', '/api/v1/users', { username, role, password: `password-${username}`, mustChangePassword: false });
  if (created.status !== 201) throw new Error(`user not created: ${JSON.stringify(created.body)}`);
  return { id: created.body.id, token: await test.login(username, `password-${username}`) };
}

/** Raw GET with a bearer token (binary bodies, headers). */
export function getRaw(test: TestCloud, path: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(test.cloud.app.request(path, { headers: { authorization: `Bearer ${token}`, ...headers } }));
}
