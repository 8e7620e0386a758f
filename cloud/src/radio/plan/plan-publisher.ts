import { createHash } from 'node:crypto';
import type { ScheduleBody } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { QueryDatabase } from '../../db/query/index.js';
import type { Documents } from '../../fleet/documents.js';
import { alertEntries } from '../alerts/alert-plan.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { ScheduleStore } from '../schedules/schedule-store.js';
import type { BulletinAudioLookup } from './bulletin-audio.js';
import type { EdgeDirectory } from './edge-directory.js';
import { compileEdgePlan, planWindow, type PlanEntry } from './plan-compiler.js';
import type { PlanOccurrences } from './plan-occurrences.js';
import { scheduleEntries } from './schedule-entries.js';

export interface PlanPublisherDeps {
  /** Where a run's occurrences and document versions are written together, in one transaction. */
  query: Pick<QueryDatabase, 'db'>;
  documents: Documents;
  directory: EdgeDirectory;
  schedules: ScheduleStore;
  alerts: AlertStore;
  bulletins: BulletinAudioLookup;
  /** Where what each box was given is remembered (its proof of play is checked against it). */
  occurrences: PlanOccurrences;
  logger: Logger;
  now(): number;
}

const hashOf = (body: ScheduleBody) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

/**
 * Stores what the boxes are given and their plans' new versions in ONE transaction (hundreds of
 * boxes for a province-wide programme), then publishes: both are kept or neither, so a box is
 * never sent a plan whose occurrences its proof of play would not find, and no occurrence is
 * remembered for a plan that was not stored. Publishing waits for the commit.
 */
export async function publishPlans(
  query: Pick<QueryDatabase, 'db'>,
  occurrences: Pick<PlanOccurrences, 'recordMany'>,
  documents: Pick<Documents, 'storeMany'>,
  plans: readonly { edgeId: string; body: ScheduleBody }[],
): Promise<void> {
  if (plans.length === 0) return;
  const versions = await query.db.transaction().execute(async (trx) => {
    await occurrences.recordMany(
      plans.map(({ edgeId, body }) => ({ edgeId, items: body.items })),
      trx,
    );
    return documents.storeMany('schedule', plans, trx);
  });
  await versions.publish();
}

/**
 * Compiles every active edge's plan and publishes `desired/schedule` only where the body changed.
 * The comparison is with the stored document, so restarts and several cloud processes never
 * republish an unchanged plan (a box claimed again gets its stored documents from the fleet).
 * Runs are serialised: a run reads everything afresh.
 */
export class PlanPublisher {
  private queue: Promise<unknown> = Promise.resolve();
  private fingerprint = '';

  constructor(private readonly deps: PlanPublisherDeps) {}

  /** Recompiles all plans after whatever changed; resolves once the changed ones are published. */
  refresh(): Promise<number> {
    const run = this.queue.then(() => this.run());
    this.queue = run.catch((err: unknown) => this.deps.logger.error({ err }, 'plan compilation failed'));
    return run;
  }

  /** Resolves when no run is queued or in progress. */
  async settled(): Promise<void> {
    await this.queue;
  }

  /**
   * Refreshes when something plans depend on changed outside the radio's own routes: the window
   * moved to the next hour, or a box was claimed, revoked or moved to another hamlet.
   */
  async refreshIfStale(): Promise<void> {
    const edges = await this.deps.directory.activeEdges();
    const fingerprint = [planWindow(this.deps.now()).start, ...edges.map((e) => `${e.id}:${e.hamletCode}`)].join('|');
    if (fingerprint === this.fingerprint) return;
    await this.refresh();
    this.fingerprint = fingerprint;
  }

  private async run(): Promise<number> {
    const { directory, schedules, alerts, bulletins, documents, occurrences, logger } = this.deps;
    const window = planWindow(this.deps.now());
    await occurrences.prune(this.deps.now());
    const scheduleList = await schedules.list({ enabledOnly: true });
    const audio = await bulletins.findMany(scheduleList.flatMap((s) => (s.source.kind === 'bulletin' ? [s.source.bulletinId] : [])));
    const entries = [...scheduleEntries(scheduleList, audio, window), ...alertEntries(await alerts.audibleSince(window.start), window)];
    // each box reads the entries for anywhere and its commune's: never every commune's (issue 10)
    const anywhere: PlanEntry[] = [];
    const byCommune = new Map<string, PlanEntry[]>();
    for (const entry of entries) {
      if (entry.communeCode == null) anywhere.push(entry);
      else {
        const list = byCommune.get(entry.communeCode);
        if (list) list.push(entry);
        else byCommune.set(entry.communeCode, [entry]);
      }
    }
    const changed: { edgeId: string; body: ScheduleBody }[] = [];
    const stored = await this.storedHashes();
    for (const edge of await directory.activeEdges()) {
      const own = byCommune.get(edge.communeCode);
      const body = compileEdgePlan(edge, own ? [...anywhere, ...own] : anywhere, window);
      if (stored.get(edge.id) === hashOf(body)) continue;
      if (body.windowEnd < window.end) logger.warn({ edgeId: edge.id, items: body.items.length, windowEnd: body.windowEnd }, 'plan cut to fit one message');
      changed.push({ edgeId: edge.id, body });
    }
    await publishPlans(this.deps.query, occurrences, documents, changed);
    const published = changed.length;
    if (published) logger.info({ published }, 'edge plans published');
    return published;
  }

  /** The hash of each box's stored plan, to publish only the plans that changed. */
  private async storedHashes(): Promise<Map<string, string>> {
    const stored = await this.deps.documents.listOf('schedule');
    return new Map(stored.map(({ edgeId, state }) => [edgeId, hashOf(state.body)]));
  }
}
