import type { QueryDatabase } from '../../db/query/index.js';

/** The states a zone's history records: `unknown` (not checked yet) is no news and never stored. */
export type ZoneState = 'ok' | 'offline' | 'muted';

export interface ZoneTransition {
  edgeId: string;
  zone: string;
  state: ZoneState;
  reason: string | null;
  at: number;
}

/** How long a hamlet's loudspeakers were up over a period, from their zones' history. */
export interface HamletUptime {
  hamletCode: string;
  /** Zones with any known state in the period. */
  zones: number;
  /** Time some known state covered, summed over the zones (ms). */
  knownMs: number;
  /** Of that, time in `ok`. */
  upMs: number;
  /** upMs / knownMs, 0–1; null when nothing was known (no box reported a zone). */
  ratio: number | null;
}

const DAY_MS = 86_400_000;

interface Row {
  edge_id: string;
  zone: string;
  state: string;
  reason: string | null;
  at: number;
}

// the column's CHECK keeps it to these three
const toTransition = (r: Row): ZoneTransition => ({ edgeId: r.edge_id, zone: r.zone, state: r.state as ZoneState, reason: r.reason, at: r.at });

/**
 * Each loudspeaker zone's state changes, as the boxes reported them (written by Presence when a
 * zone's known state changes), kept SC_SPEAKER_HISTORY_DAYS. The source of the box page's history
 * and of the monthly report's uptime: a zone is taken to be in its last reported state until it
 * reports another. On the query layer (SQLite or PostgreSQL); rows are only appended and pruned,
 * so no read-then-write needs guarding.
 */
export class SpeakerHistory {
  constructor(
    private readonly q: QueryDatabase,
    private readonly keepDays: number,
  ) {}

  async record(t: ZoneTransition): Promise<void> {
    await this.q.db.insertInto('speaker_history').values({ edge_id: t.edgeId, zone: t.zone, state: t.state, reason: t.reason, at: t.at }).execute();
  }

  /** A box's transitions, newest first (all zones, or one), at most `limit`. */
  async ofEdge(edgeId: string, options: { zone?: string; limit: number }): Promise<ZoneTransition[]> {
    let query = this.q.db.selectFrom('speaker_history').select(['edge_id', 'zone', 'state', 'reason', 'at']).where('edge_id', '=', edgeId);
    if (options.zone) query = query.where('zone', '=', options.zone);
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map(toTransition);
  }

  /** When the zone last went down without coming back since (null: it is not down, or never was). */
  async downSince(edgeId: string, zone: string): Promise<number | null> {
    const row = await this.q.db
      .selectFrom('speaker_history')
      .select((eb) => eb.fn.min('at').as('since'))
      .where('edge_id', '=', edgeId)
      .where('zone', '=', zone)
      .where('state', '<>', 'ok')
      .where((eb) =>
        eb(
          'at',
          '>',
          eb.fn.coalesce(
            eb.selectFrom('speaker_history').select((s) => s.fn.max('at').as('up')).where('edge_id', '=', edgeId).where('zone', '=', zone).where('state', '=', 'ok'),
            eb.val(-1),
          ),
        ),
      )
      .executeTakeFirst();
    return row?.since ?? null;
  }

  /**
   * Drops what is older than the retention, keeping each zone's last transition before it (its
   * state at the cut): a row goes when a later row of its zone is also before the cut.
   */
  async prune(now = Date.now()): Promise<number> {
    const cut = now - this.keepDays * DAY_MS;
    const result = await this.q.db
      .deleteFrom('speaker_history')
      .where('at', '<', cut)
      .where(({ exists, selectFrom, eb }) =>
        exists(
          selectFrom('speaker_history as later')
            .select(eb.lit(1).as('one'))
            .whereRef('later.edge_id', '=', 'speaker_history.edge_id')
            .whereRef('later.zone', '=', 'speaker_history.zone')
            .where('later.at', '<', cut)
            .where((l) => l.or([l('later.at', '>', l.ref('speaker_history.at')), l.and([l('later.at', '=', l.ref('speaker_history.at')), l('later.id', '>', l.ref('speaker_history.id'))])])),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Each hamlet's loudspeaker uptime over [from, to) (to capped at `now`): for every zone of the
   * boxes now in the hamlet, the state at `from` (its last transition before) and its transitions
   * inside; time before a zone's first report is not counted either way.
   */
  async uptimeByHamlet(from: number, to: number, now = Date.now()): Promise<Map<string, HamletUptime>> {
    const end = Math.min(to, now);
    const rows = await this.q.db
      .selectFrom('speaker_history as h')
      .innerJoin('edges as e', 'e.id', 'h.edge_id')
      .select(['e.hamlet_code', 'h.edge_id', 'h.zone', 'h.state', 'h.at'])
      .where('e.hamlet_code', 'is not', null)
      .where((eb) =>
        eb.or([
          eb.and([eb('h.at', '>=', from), eb('h.at', '<', end)]),
          eb(
            'h.id',
            '=',
            eb
              .selectFrom('speaker_history as h2')
              .select('h2.id')
              .whereRef('h2.edge_id', '=', 'h.edge_id')
              .whereRef('h2.zone', '=', 'h.zone')
              .where('h2.at', '<', from)
              .orderBy('h2.at', 'desc')
              .orderBy('h2.id', 'desc')
              .limit(1),
          ),
        ]),
      )
      .orderBy('h.edge_id')
      .orderBy('h.zone')
      .orderBy('h.at')
      .orderBy('h.id')
      .execute();
    const out = new Map<string, HamletUptime>();
    let i = 0;
    while (i < rows.length) {
      const first = rows[i]!;
      const hamlet = first.hamlet_code!; // filtered above
      let j = i;
      while (j < rows.length && rows[j]!.edge_id === first.edge_id && rows[j]!.zone === first.zone) j++;
      const u = out.get(hamlet) ?? { hamletCode: hamlet, zones: 0, knownMs: 0, upMs: 0, ratio: null };
      let known = 0;
      for (let k = i; k < j && end > from; k++) {
        const start = Math.max(rows[k]!.at, from);
        const stop = k + 1 < j ? Math.min(rows[k + 1]!.at, end) : end;
        if (stop <= start) continue;
        known += stop - start;
        if (rows[k]!.state === 'ok') u.upMs += stop - start;
      }
      if (known > 0) {
        u.zones++;
        u.knownMs += known;
      }
      out.set(hamlet, u);
      i = j;
    }
    for (const u of out.values()) u.ratio = u.knownMs > 0 ? u.upMs / u.knownMs : null;
    return out;
  }
}
