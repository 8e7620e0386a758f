import { hostname } from 'node:os';
import { newId } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import type { CloudConfig } from '../config.js';
import type { Database, QueryDatabase } from '../db/query/index.js';

/**
 * The cloud processes serving one database (table cloud_processes), each known by an id of its
 * own run. A process registers at start, beats every few seconds and removes itself on a clean
 * stop; what it has on air (live sessions, relay runs) records its id as owner. A process that
 * stopped beating (SIGKILL, host lost) is dead: the leader ends what it owned and purges its row
 * (radio's dead-owner sweep). Times are this process's wall clock: the hosts of a cluster keep
 * their clocks in step (NTP), as the live sessions' epochs already require.
 */
export class ProcessRegistry {
  constructor(private readonly q: QueryDatabase) {}

  /** Beats for `id`: one upsert, so a process whose row was purged (taken for dead) is back at its next beat. False: the row was not there. */
  async beat(p: { id: string; host: string; pid: number; startedAt: number }, at: number): Promise<boolean> {
    const updated = await this.q.db.updateTable('cloud_processes').set({ beat_at: at }).where('id', '=', p.id).returning('id').executeTakeFirst();
    if (updated) return true;
    await this.q.db
      .insertInto('cloud_processes')
      .values({ id: p.id, host: p.host, pid: p.pid, started_at: p.startedAt, beat_at: at })
      .onConflict((oc) => oc.column('id').doUpdateSet({ beat_at: at }))
      .execute();
    return false;
  }

  async remove(id: string): Promise<void> {
    await this.q.db.deleteFrom('cloud_processes').where('id', '=', id).execute();
  }

  /** The processes that beat at or after `since`, oldest first. */
  async alive(since: number): Promise<{ id: string; host: string; pid: number; startedAt: number; beatAt: number }[]> {
    const rows = await this.q.db.selectFrom('cloud_processes').selectAll().where('beat_at', '>=', since).orderBy('started_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, startedAt: r.started_at, beatAt: r.beat_at }));
  }

  /** Deletes the rows of processes silent since before `since`, in one statement; their ids. */
  async purgeDead(since: number): Promise<string[]> {
    const rows = await this.q.db.deleteFrom('cloud_processes').where('beat_at', '<', since).returning('id').execute();
    return rows.map((r) => r.id).sort();
  }
}

/** The tables whose rows record the cloud process that has them on air (`owner_process`). */
export type OwnedTable = 'live_sessions' | 'relay_runs';

/**
 * The condition "this row's owner process stopped beating before `aliveSince`" for the dead-owner
 * sweeps of live sessions and relay runs (one definition of a dead owner for both). A row with no
 * owner is not matched here: the sweeps also ask `owner_process is not null`.
 */
export function ownerIsDead<T extends OwnedTable>(table: T, aliveSince: number) {
  return (eb: ExpressionBuilder<Database, T>): Expression<SqlBool> => {
    const any = eb as unknown as ExpressionBuilder<Database, OwnedTable>;
    return any.not(
      any.exists(
        any
          .selectFrom('cloud_processes')
          .select('cloud_processes.id')
          .whereRef('cloud_processes.id', '=', `${table as OwnedTable}.owner_process`)
          .where('cloud_processes.beat_at', '>=', aliveSince),
      ),
    );
  };
}

/** This process's place in the registry: its id, and the beat that keeps it alive. */
export interface ProcessHeartbeat {
  readonly id: string;
  /** Stops beating and removes the row (a clean stop: nothing of this process is left for the leader to end). */
  stop(): Promise<void>;
}

/**
 * Registers this process (before anything it runs can record it as owner) and beats every
 * `beatMs`. A beat that finds its row gone means the leader took this process for dead (the
 * database was out of reach longer than the dead-after time) and ended what it had on air: that is
 * logged loudly; the row is back, and what this process starts from now on is its own again.
 */
export async function startHeartbeat(deps: { registry: ProcessRegistry; beatMs: number; logger: Logger; now?: () => number }): Promise<ProcessHeartbeat> {
  const now = deps.now ?? Date.now;
  const self = { id: newId('proc'), host: hostname(), pid: process.pid, startedAt: now() };
  await deps.registry.beat(self, self.startedAt);
  deps.logger.info({ processId: self.id }, 'cloud process registered');
  let beating: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    beating = deps.registry.beat(self, now()).then(
      (present) => {
        if (!present) deps.logger.error({ processId: self.id }, 'this process had been taken for dead (no beat reached the database): the leader ended its live sessions and relays');
      },
      (err: unknown) => deps.logger.warn({ err, processId: self.id }, 'cloud process heartbeat failed'),
    );
  }, deps.beatMs);
  timer.unref();
  return {
    id: self.id,
    async stop() {
      clearInterval(timer);
      await beating;
      await deps.registry.remove(self.id).catch((err: unknown) => deps.logger.warn({ err }, 'cloud process row not removed: the leader purges it'));
    },
  };
}

/**
 * This process in the registry, beating every SC_PROCESS_BEAT_S, with what the leader's sweep of
 * dead processes needs (RadioDeps.processes): dead after SC_PROCESS_DEAD_AFTER_S, never under three beats.
 */
export async function joinProcesses(query: QueryDatabase, config: Pick<CloudConfig, 'SC_PROCESS_BEAT_S' | 'SC_PROCESS_DEAD_AFTER_S'>, logger: Logger) {
  const registry = new ProcessRegistry(query);
  const beatMs = config.SC_PROCESS_BEAT_S * 1000;
  const heartbeat = await startHeartbeat({ registry, beatMs, logger });
  return { id: heartbeat.id, registry, sweepMs: beatMs, deadAfterMs: Math.max(config.SC_PROCESS_DEAD_AFTER_S * 1000, 3 * beatMs), stop: () => heartbeat.stop() };
}
