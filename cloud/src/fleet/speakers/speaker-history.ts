import type { Db } from '../../db/database.js';

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
  state: ZoneState;
  reason: string | null;
  at: number;
}

const toTransition = (r: Row): ZoneTransition => ({ edgeId: r.edge_id, zone: r.zone, state: r.state, reason: r.reason, at: r.at });

/**
 * Each loudspeaker zone's state changes, as the boxes reported them (written by Presence when a
 * zone's known state changes), kept SC_SPEAKER_HISTORY_DAYS. The source of the box page's history
 * and of the monthly report's uptime: a zone is taken to be in its last reported state until it
 * reports another.
 */
export class SpeakerHistory {
  constructor(
    private readonly db: Db,
    private readonly keepDays: number,
  ) {}

  record(t: ZoneTransition): void {
    this.db.prepare('INSERT INTO speaker_history (edge_id, zone, state, reason, at) VALUES (?, ?, ?, ?, ?)').run(t.edgeId, t.zone, t.state, t.reason, t.at);
  }

  /** A box's transitions, newest first (all zones, or one), at most `limit`. */
  ofEdge(edgeId: string, options: { zone?: string; limit: number }): ZoneTransition[] {
    const rows = options.zone
      ? this.db.prepare('SELECT * FROM speaker_history WHERE edge_id = ? AND zone = ? ORDER BY at DESC, id DESC LIMIT ?').all(edgeId, options.zone, options.limit)
      : this.db.prepare('SELECT * FROM speaker_history WHERE edge_id = ? ORDER BY at DESC, id DESC LIMIT ?').all(edgeId, options.limit);
    return (rows as Row[]).map(toTransition);
  }

  /** When the zone last went down without coming back since (null: it is not down, or never was). */
  downSince(edgeId: string, zone: string): number | null {
    const row = this.db
      .prepare(
        `SELECT MIN(at) AS since FROM speaker_history WHERE edge_id = @edgeId AND zone = @zone AND state <> 'ok'
           AND at > COALESCE((SELECT MAX(at) FROM speaker_history WHERE edge_id = @edgeId AND zone = @zone AND state = 'ok'), -1)`,
      )
      .get({ edgeId, zone }) as { since: number | null };
    return row.since;
  }

  /** Drops what is older than the retention, keeping each zone's last transition before it (its state at the cut). */
  prune(now = Date.now()): number {
    const cut = now - this.keepDays * DAY_MS;
    return this.db
      .prepare(
        `DELETE FROM speaker_history WHERE at < @cut AND id NOT IN (
           SELECT (SELECT h2.id FROM speaker_history h2 WHERE h2.edge_id = h.edge_id AND h2.zone = h.zone AND h2.at < @cut ORDER BY h2.at DESC, h2.id DESC LIMIT 1)
           FROM speaker_history h WHERE h.at < @cut GROUP BY h.edge_id, h.zone)`,
      )
      .run({ cut }).changes;
  }

  /**
   * Each hamlet's loudspeaker uptime over [from, to) (to capped at `now`): for every zone of the
   * boxes now in the hamlet, the state at `from` (its last transition before) and its transitions
   * inside; time before a zone's first report is not counted either way.
   */
  uptimeByHamlet(from: number, to: number, now = Date.now()): Map<string, HamletUptime> {
    const end = Math.min(to, now);
    const rows = this.db
      .prepare(
        `SELECT e.hamlet_code AS hamlet_code, h.edge_id, h.zone, h.state, h.at FROM speaker_history h JOIN edges e ON e.id = h.edge_id
         WHERE e.hamlet_code IS NOT NULL AND (h.at >= @from AND h.at < @end
           OR h.id = (SELECT h2.id FROM speaker_history h2 WHERE h2.edge_id = h.edge_id AND h2.zone = h.zone AND h2.at < @from ORDER BY h2.at DESC, h2.id DESC LIMIT 1))
         ORDER BY h.edge_id, h.zone, h.at, h.id`,
      )
      .all({ from, end }) as { hamlet_code: string; edge_id: string; zone: string; state: ZoneState; at: number }[];
    const out = new Map<string, HamletUptime>();
    let i = 0;
    while (i < rows.length) {
      const first = rows[i]!;
      let j = i;
      while (j < rows.length && rows[j]!.edge_id === first.edge_id && rows[j]!.zone === first.zone) j++;
      const u = out.get(first.hamlet_code) ?? { hamletCode: first.hamlet_code, zones: 0, knownMs: 0, upMs: 0, ratio: null };
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
      out.set(first.hamlet_code, u);
      i = j;
    }
    for (const u of out.values()) u.ratio = u.knownMs > 0 ? u.upMs / u.knownMs : null;
    return out;
  }
}
