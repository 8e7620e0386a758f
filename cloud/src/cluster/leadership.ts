import pg from 'pg';
import type { Logger } from '@smart-commune/shared/runtime';

/** Stops a piece of once-only work; may wait for a run under way. */
export type StopWork = () => void | Promise<void>;

/**
 * Who runs the work that must run once across the cloud processes sharing one database (plan
 * publishing, alert expiry, the presence watchdog, retention sweeps…). Services hand their timers
 * to `whileLeader`: `begin` runs when this process becomes leader (at once if it already is) and
 * the function it returns when it stops being leader or the process stops.
 */
export interface Leadership {
  isLeader(): boolean;
  /** Registers the work; the answer unregisters it (stopping it if it runs), for the service's own stop(). */
  whileLeader(name: string, begin: () => StopWork): () => Promise<void>;
  /** Takes part: on PostgreSQL the first attempt at the lock is made before this resolves. */
  start(): Promise<void>;
  /** Stops every piece of once-only work and gives leadership up. */
  stop(): Promise<void>;
}

interface Work {
  name: string;
  begin: () => StopWork;
  stop: StopWork | null;
}

/**
 * The bookkeeping both kinds share: which work is registered and running, and the gained/lost
 * transitions. Losing stops every piece synchronously first (timers cleared) and only then awaits
 * their runs under way, so nothing once-only starts again here once another process can lead.
 */
abstract class LeadershipBase implements Leadership {
  private readonly works: Work[] = [];
  private leading = false;
  constructor(protected readonly logger: Logger, private readonly onChange?: (leader: boolean) => void) {}

  isLeader(): boolean {
    return this.leading;
  }

  whileLeader(name: string, begin: () => StopWork): () => Promise<void> {
    const work: Work = { name, begin, stop: null };
    this.works.push(work);
    if (this.leading) this.begin(work);
    return async () => {
      const at = this.works.indexOf(work);
      if (at >= 0) this.works.splice(at, 1);
      const stop = work.stop;
      work.stop = null;
      await stop?.();
    };
  }

  private begin(work: Work): void {
    try {
      work.stop = work.begin();
    } catch (err) {
      this.logger.error({ err, work: work.name }, 'once-only work failed to start');
    }
  }

  protected gained(): void {
    if (this.leading) return;
    this.leading = true;
    this.onChange?.(true);
    for (const work of this.works) this.begin(work);
  }

  protected async lost(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.onChange?.(false);
    const pending: Promise<void>[] = [];
    for (const work of this.works) {
      const stop = work.stop;
      work.stop = null;
      try {
        const done = stop?.();
        if (done) pending.push(done.catch((err: unknown) => this.logger.error({ err, work: work.name }, 'once-only work failed to stop')));
      } catch (err) {
        this.logger.error({ err, work: work.name }, 'once-only work failed to stop');
      }
    }
    await Promise.all(pending);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
}

/** One process on a SQLite file: it is the leader from start to stop. */
export class SoleLeadership extends LeadershipBase {
  async start(): Promise<void> {
    this.gained();
  }
  async stop(): Promise<void> {
    await this.lost();
  }
}

export interface AdvisoryLockOptions {
  /** postgres:// address of the shared database. */
  url: string;
  logger: Logger;
  /** Any fixed number: every process of one installation must use the same (default LEADER_LOCK_KEY). */
  key?: number;
  /** A standby tries the lock this often. */
  retryMs?: number;
  /** The leader checks its connection this often… */
  pingMs?: number;
  /** …and gives leadership up when an answer takes longer than this. */
  pingTimeoutMs?: number;
  onChange?: (leader: boolean) => void;
}

/** The advisory lock's key: distinct from the migrations' (db/query/migrate.ts). */
export const LEADER_LOCK_KEY = 0x5c_1ead;

/**
 * Leadership by a session-level PostgreSQL advisory lock held on a connection of its own (not the
 * pool's: a pooled connection is shared and recycled, and the lock lives as long as its session).
 * The server releases the lock when that session ends (process killed, connection lost,
 * pg_terminate_backend), so a standby trying every `retryMs` takes over within about a second.
 * The leader gives up the moment its connection errors, ends, or stops answering a ping within
 * `pingTimeoutMs`: when the connection is gone the server may already have granted the lock to
 * another process, so the work is stopped before anything else here runs.
 */
export class AdvisoryLockLeadership extends LeadershipBase {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly key: number;
  private readonly retryMs: number;
  private readonly pingMs: number;
  private readonly pingTimeoutMs: number;
  private attempt: Promise<void> = Promise.resolve();
  /** A leader that lost its connection waits a few rounds before trying again: the standbys, whose connections are fine, go first. */
  private quietUntil = 0;

  constructor(private readonly options: AdvisoryLockOptions) {
    super(options.logger, options.onChange);
    this.key = options.key ?? LEADER_LOCK_KEY;
    this.retryMs = options.retryMs ?? 1000;
    this.pingMs = options.pingMs ?? 1000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 3000;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.attempt = this.tick().finally(() => this.schedule());
      },
      this.isLeader() ? this.pingMs : this.retryMs,
    );
    this.timer.unref();
  }

  /** A standby tries the lock; the leader checks that its session is still there. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (!this.isLeader() && Date.now() < this.quietUntil) return;
    try {
      if (this.isLeader()) await this.ping();
      else await this.tryLock();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, this.isLeader() ? 'leader connection lost' : 'leader lock not tried: database unreachable');
      await this.dropConnection();
    }
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.options.url,
      keepAlive: true,
      connectionTimeoutMillis: this.pingTimeoutMs,
      application_name: 'sc-cloud leader',
      // the server's side of this session: with the default keepalive (2 h on Linux) a leader cut off by the
      // network would keep the lock, and the province its standbys idle, for hours; with these it is freed in ~11 s
      options: '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3',
    });
    // an error or end between our queries (server shut down, backend terminated): lose at once
    client.on('error', (err) => {
      if (this.client !== client) return;
      this.logger.warn({ err: err.message }, 'leader connection failed');
      void this.dropConnection();
    });
    client.on('end', () => {
      if (this.client === client) void this.dropConnection();
    });
    this.client = client;
    try {
      await client.connect();
    } catch (err) {
      this.client = null;
      throw err;
    }
    return client;
  }

  private async tryLock(): Promise<void> {
    const client = await this.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [this.key]);
    if (this.stopped) return;
    if (rows[0]?.locked) {
      this.logger.info({ key: this.key }, 'this process is the leader now: it runs the once-only work');
      this.gained();
    }
  }

  private async ping(): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('no connection');
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Leadership goes first (the work stops), then the connection: its session's end frees the lock. */
  private async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = null;
    const wasLeader = this.isLeader();
    const lost = this.lost();
    if (wasLeader) {
      this.logger.warn('this process is no longer the leader: its once-only work stopped');
      this.quietUntil = Date.now() + 3 * this.retryMs;
    }
    if (client) {
      client.removeAllListeners('end');
      client.on('error', () => undefined); // a late error of a connection given up
      await client.end().catch(() => undefined);
    }
    await lost;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.attempt;
    await this.dropConnection();
  }
}

/** The leadership for a configuration: the advisory lock on PostgreSQL, the sole process on SQLite. */
export function createLeadership(options: { databaseUrl?: string; logger: Logger; onChange?: (leader: boolean) => void }): Leadership {
  return options.databaseUrl ? new AdvisoryLockLeadership({ url: options.databaseUrl, logger: options.logger, onChange: options.onChange }) : new SoleLeadership(options.logger, options.onChange);
}

/** For domain tests and tools that build a service alone: the work runs at once, as on one process. */
export const alwaysLeader: Pick<Leadership, 'whileLeader' | 'isLeader'> = {
  isLeader: () => true,
  whileLeader: (_name, begin) => {
    let stop: StopWork | null = begin();
    return async () => {
      const s = stop;
      stop = null;
      await s?.();
    };
  },
};

/** What domains take: register once-only work, ask whether this process leads. */
export type LeaderGate = Pick<Leadership, 'whileLeader' | 'isLeader'>;
