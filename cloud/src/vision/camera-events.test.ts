import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId, topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import type { BoxEvent, DomainEvents } from '../events/domain-events.js';

describe("a box's cameras going offline and coming back are published", () => {
  let test: TestCloud;
  let box: MqttClient;
  let edgeId: string;
  let received: BoxEvent<'camera'>[];
  let seen: string[];
  let offline: DomainEvents['camera.offline'][];
  let online: DomainEvents['camera.online'][];

  beforeEach(async () => {
    test = await startTestCloud();
    const claimed = await claimTestEdge(test, 'ap-2');
    edgeId = claimed.edgeId;
    box = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edgeId, username: edgeId, password: claimed.password, reconnectPeriod: 0 });
    [received, seen, offline, online] = [[], [], [], []];
    test.cloud.events.subscribe('edge.event.camera', (e) => void received.push(e));
    test.cloud.events.subscribe('camera.offline', (e) => {
      offline.push(e);
      seen.push(`offline:${e.cameraId}`);
    });
    test.cloud.events.subscribe('camera.online', (e) => {
      online.push(e);
      seen.push(`online:${e.cameraId}`);
    });
  });
  afterEach(async () => {
    await box.endAsync();
    await test.stop();
  });

  /** Sends a stream's change as the box's outbox does, and waits until the cloud has it and its handlers are done. */
  const send = async (ts: number, body: Record<string, unknown>) => {
    const eventId = newId('evt', 16);
    await box.publishAsync(topics.event(edgeId, 'camera'), JSON.stringify({ eventId, ts, body }), { qos: 1 });
    await waitFor(() => received.some((e) => e.eventId === eventId), `camera event ${eventId}`);
    // the cameras domain stores the state before it publishes offline/online: wait for that too
    await test.cloud.events.settled();
  };

  it("publishes the box's camera event decoded by its schema, then the camera's presence on each change", async () => {
    await send(1_000, { cameraId: 'cong-truong', status: 'starting' });
    // the schema's default filled in: what subscribers get is the decoded event, not the wire's JSON
    expect(received[0]).toEqual({ edgeId, eventId: expect.stringMatching(/^evt_/), ts: 1_000, body: { cameraId: 'cong-truong', status: 'starting', attempts: 0 } });
    await send(2_000, { cameraId: 'cong-truong', status: 'streaming' });
    expect(seen).toEqual([]);

    await send(3_000, { cameraId: 'cong-truong', status: 'reconnecting', error: 'Connection refused', attempts: 1 });
    await send(4_000, { cameraId: 'cong-truong', status: 'failed', error: 'Connection refused', attempts: 5 }); // still offline
    expect(offline).toEqual([{ edgeId, cameraId: 'cong-truong', at: 3_000, status: 'reconnecting', error: 'Connection refused' }]);

    await send(5_000, { cameraId: 'cong-truong', status: 'streaming' });
    expect(online).toEqual([{ edgeId, cameraId: 'cong-truong', at: 5_000 }]);

    // a late resend of an older change is not news
    await send(3_500, { cameraId: 'cong-truong', status: 'failed', attempts: 2 });
    // a camera first heard of as failed went offline; one a technician disabled did not
    await send(6_000, { cameraId: 'cho', status: 'failed', error: 'no route to host' });
    await send(6_000, { cameraId: 'ben-do', status: 'disabled' });
    expect(seen).toEqual(['offline:cong-truong', 'online:cong-truong', 'offline:cho']);
    expect(offline[1]).toEqual({ edgeId, cameraId: 'cho', at: 6_000, status: 'failed', error: 'no route to host' });
  });
});
