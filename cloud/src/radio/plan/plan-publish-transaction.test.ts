/**
 * A plan run stores what each box is given (its occurrences) and the boxes' new plan versions in
 * one transaction, on SQLite and on PostgreSQL: when storing the documents fails, no occurrence
 * is left behind and nothing is published; when it succeeds, both are there and each box's new
 * version is published after the commit.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { topics, type ScheduleBody } from '@smart-commune/shared';
import { forEachDatabase } from '../../../../test-support/databases.js';
import { insertPlaces } from '../../../../test-support/places.js';
import { type EmbeddedBroker } from '../../broker/embedded.js';
import { startTestBroker } from '../../broker/testing/test-broker.js';
import { Documents } from '../../fleet/documents.js';
import { PlanOccurrences } from './plan-occurrences.js';
import { publishPlans } from './plan-publisher.js';

const plan = (occurrenceId: string): ScheduleBody => ({
  windowStart: 1_000,
  windowEnd: 2_000,
  items: [{ occurrenceId, scheduleId: 'sch_1', bulletinId: null, title: 'Bản tin', source: { kind: 'stream', url: 'http://radio.example/vov1' }, startAt: 1_500, durationMs: 60_000, priority: 'normal', volume: 80, zones: null }],
});

let broker: EmbeddedBroker;
const published: string[] = [];
beforeAll(async () => {
  broker = await startTestBroker();
  await broker.subscribe(topics.allEdges, (topic, payload) => {
    if (topic.includes('/desired/') && payload.length) published.push(topic);
  });
});
afterAll(async () => {
  await broker?.close();
});

forEachDatabase('a plan run in one transaction', (get) => {
  it('records no occurrence and publishes nothing when the documents part fails', async () => {
    await insertPlaces(get(), [{ code: 'xa-a', name: 'Xã A', hamlets: [{ code: 'a-1', name: 'Ấp 1', edge: 'edg_a1' }] }]);
    published.length = 0;
    const documents = new Documents(get(), broker);
    const occurrences = new PlanOccurrences(get());
    // the second box was deleted while the plans were compiled: its document cannot be stored
    await expect(
      publishPlans(get(), occurrences, documents, [
        { edgeId: 'edg_a1', body: plan('occ_1') },
        { edgeId: 'edg_gone', body: plan('occ_2') },
      ]),
    ).rejects.toThrow();
    await documents.settled();
    expect(await get().db.selectFrom('plan_occurrences').select('occurrence_id').execute()).toEqual([]);
    expect(await documents.get('edg_a1', 'schedule')).toBeNull();
    expect(published).toEqual([]);
  });

  it('keeps both and publishes each new version after the commit', async () => {
    await insertPlaces(get(), [{ code: 'xa-a', name: 'Xã A', hamlets: [{ code: 'a-1', name: 'Ấp 1', edge: 'edg_a1' }, { code: 'a-2', name: 'Ấp 2', edge: 'edg_a2' }] }]);
    published.length = 0;
    const documents = new Documents(get(), broker);
    await publishPlans(get(), new PlanOccurrences(get()), documents, [
      { edgeId: 'edg_a1', body: plan('occ_1') },
      { edgeId: 'edg_a2', body: plan('occ_2') },
    ]);
    await documents.settled();
    const rows = await get().db.selectFrom('plan_occurrences').select(['edge_id', 'occurrence_id']).orderBy('edge_id').execute();
    expect(rows).toEqual([{ edge_id: 'edg_a1', occurrence_id: 'occ_1' }, { edge_id: 'edg_a2', occurrence_id: 'occ_2' }]);
    expect((await documents.get('edg_a2', 'schedule'))?.version).toBe(1);
    expect(published.sort()).toEqual([topics.desired('edg_a1', 'schedule'), topics.desired('edg_a2', 'schedule')]);
  });
});
