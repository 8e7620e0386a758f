import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { IncidentRetention } from './retention.js';
import { announce, connectIncidentEdge, incidentEvent, sha256, SNAPSHOT, type IncidentEdge } from './testing/incident-kit.js';

const DAY = 86_400_000;

describe('incident retention', () => {
  let test: TestCloud;
  let edge: IncidentEdge;
  beforeEach(async () => {
    test = await startTestCloud({ SC_INCIDENT_RETENTION_DAYS: 30 });
    edge = await connectIncidentEdge(test, 'ap-4');
  });
  afterEach(async () => {
    await edge.close();
    await test.stop();
  });

  it('deletes incidents past the policy with their files, except on legal hold or while another incident shares a file', async () => {
    const start = Date.now();
    let now = start;
    const { store, files } = test.cloud.incidents;
    const retention = new IncidentRetention({ store, files, audit: test.cloud.audit, metrics: test.cloud.metrics, logger: silentLogger(), retentionDays: 30, now: () => now });
    const shared = Buffer.concat([SNAPSHOT, Buffer.from([0])]); // another JPEG (bytes after the end marker)

    const stored = async (detectedAt: number, snapshot: Buffer) => {
      const event = incidentEvent({ detectedAt, startedAt: detectedAt, snapshot: announce(snapshot) });
      await edge.publish(event);
      expect((await edge.upload(event.incidentId, 'snapshot', snapshot)).status).toBe(201);
      return event.incidentId;
    };
    const old = await stored(start - 20 * DAY, SNAPSHOT);
    const held = await stored(start - 20 * DAY, shared);
    const oldSharing = await stored(start - 20 * DAY, shared);
    const recentSharing = await stored(start, shared);
    expect((await test.request('PATCH', `/api/v1/incidents/${held}`, { legalHold: true })).status).toBe(200);
    const exists = (id: string) => store.get(id) !== null;

    now = start + 15 * DAY; // the old ones are 35 days old, the recent one 15
    expect(await retention.sweep()).toBe(2);
    expect([old, held, oldSharing, recentSharing].map(exists)).toEqual([false, true, false, true]);
    expect(existsSync(files.path(sha256(SNAPSHOT), 'snapshot'))).toBe(false);
    expect(existsSync(files.path(sha256(shared), 'snapshot'))).toBe(true);
    // the edge events that carried them are gone too, so a restart's catch-up cannot bring them back
    expect(store.unapplied()).toEqual([]);
    expect(test.cloud.db.prepare("SELECT COUNT(*) AS n FROM edge_events WHERE kind = 'incident' AND json_extract(body, '$.incidentId') = ?").get(old)).toEqual({ n: 0 });
    expect(test.cloud.audit.trail(`incident:${old}`).at(-1)).toMatchObject({ actor: 'system', action: 'incident.purge', details: { retentionDays: 30 } });

    now = start + 31 * DAY;
    expect(await retention.sweep()).toBe(1);
    expect([held, recentSharing].map(exists)).toEqual([true, false]);
    expect(existsSync(files.path(sha256(shared), 'snapshot'))).toBe(true); // the held incident still names it

    expect((await test.request('PATCH', `/api/v1/incidents/${held}`, { legalHold: false })).status).toBe(200);
    expect(await retention.sweep()).toBe(1);
    expect(existsSync(files.path(sha256(shared), 'snapshot'))).toBe(false);
    expect((await test.cloud.metrics.incidentsPurged.get()).values[0]?.value).toBe(4);
  });
});
