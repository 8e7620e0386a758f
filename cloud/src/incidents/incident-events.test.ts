import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import type { DomainEvents } from '../events/domain-events.js';
import { announce, CLIP, connectIncidentEdge, incidentEvent, userWithRole, type IncidentEdge } from './testing/incident-kit.js';

describe('incidents opened and reviewed are published', () => {
  let test: TestCloud;
  let edge: IncidentEdge;
  let opened: DomainEvents['incident.opened'][];
  let reviewed: DomainEvents['incident.reviewed'][];

  beforeEach(async () => {
    test = await startTestCloud();
    edge = await connectIncidentEdge(test, 'ap-2a');
    [opened, reviewed] = [[], []];
    test.cloud.events.subscribe('incident.opened', (e) => void opened.push(e));
    test.cloud.events.subscribe('incident.reviewed', (e) => void reviewed.push(e));
  });
  afterEach(async () => {
    await edge.close();
    await test.stop();
  });

  it("publishes an incident's first report from a box once, not the report that completes it", async () => {
    const event = incidentEvent({ label: 'person', cameraId: 'cong-truong' });
    await edge.publish(event);
    expect(opened).toEqual([{ incidentId: event.incidentId, edgeId: edge.edgeId, hamletCode: 'ap-2a', cameraId: 'cong-truong', label: 'person', detectedAt: event.detectedAt, severity: 'alert', continues: null }]);
    await edge.publish({ ...event, endedAt: event.detectedAt + 20_000, clip: { ...announce(CLIP), durationMs: 20_000 } });
    expect(opened).toHaveLength(1);
  });

  it('publishes each change of review status with who made it; assigning or holding alone is not a review', async () => {
    const police = await userWithRole(test, 'police');
    const event = incidentEvent();
    await edge.publish(event);
    const patch = (body: unknown) => test.request('PATCH', `/api/v1/incidents/${event.incidentId}`, body, police.token);
    expect((await patch({ assigneeId: police.id, legalHold: true })).status).toBe(200);
    expect(reviewed).toEqual([]);
    expect((await patch({ status: 'reviewing' })).status).toBe(200);
    expect((await patch({ status: 'reviewing' })).status).toBe(200); // unchanged
    expect((await patch({ status: 'confirmed' })).status).toBe(200);
    expect((await patch({ status: 'new' })).status).toBe(409); // not a move the review allows
    expect(reviewed).toEqual([
      { incidentId: event.incidentId, hamletCode: 'ap-2a', from: 'new', to: 'reviewing', by: police.id },
      { incidentId: event.incidentId, hamletCode: 'ap-2a', from: 'reviewing', to: 'confirmed', by: police.id },
    ]);
  });
});
