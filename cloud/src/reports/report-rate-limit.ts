import type { QueryDatabase } from '../db/query/index.js';

export interface ReportRateOptions {
  /** Accepted reports one client address may file within `windowMs`. */
  limit: number;
  /** Refused submissions (bad fields, a file that is not a picture) an address may make within `windowMs`. */
  refusedLimit: number;
  windowMs: number;
  now: () => number;
}

/**
 * 20 accepted reports per 10 minutes per address. A whole hamlet may reach the cloud through one
 * mobile carrier's NAT address, and one event (a fire, a flood, a crash at the market) brings several
 * neighbours' reports within minutes: 20 leaves room for that, while one careless or hostile sender
 * is held to two reports a minute, which the police queue absorbs. Refused submissions have an
 * allowance of their own, larger (people get a form wrong) but finite: each one may still cost the
 * decoding of a photo.
 */
export const DEFAULT_REPORT_RATE: ReportRateOptions = { limit: 20, refusedLimit: 60, windowMs: 10 * 60_000, now: Date.now };
/** Compare-and-set attempts of one reservation before it gives up (only one address's own submissions race for its row). */
const MAX_ATTEMPTS = 20;

/** A place in the client's allowance, held while the report is checked; `refused` moves it to the refused ones. */
export type ReportSlot = { allowed: true; refused(): Promise<void> } | { allowed: false; retryAfterS: number };

/** Per client, the times of the accepted (or being checked) and of the refused submissions in the window, oldest first. */
interface ClientWindow {
  accepted: number[];
  refused: number[];
}

/**
 * Citizens' reports per client address (requestIp(): the socket's, or a trusted proxy's client), counted over a
 * sliding window. A submission takes its place before it is checked (so concurrent ones cannot
 * overshoot); a refused one gives it back and counts among the refused instead, so a citizen who
 * got the form wrong a few times can still send the right one.
 *
 * The window lives in the database (issue 11), one row per address, so every cloud process counts
 * the same reports. Each change is a compare-and-set on the row's version (an insert that does
 * nothing when the row exists, or `UPDATE … WHERE version = <as read>`): of two processes taking the
 * last place at once exactly one writes, the other reads again and is refused. `purge` deletes rows
 * whose every time has left the window.
 */
export class ReportRateLimit {
  private readonly options: ReportRateOptions;

  constructor(
    private readonly query: QueryDatabase,
    options: Partial<ReportRateOptions> = {},
  ) {
    this.options = { ...DEFAULT_REPORT_RATE, ...options };
  }

  async reserve(client: string | null): Promise<ReportSlot> {
    const key = client ?? 'unknown';
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.options.now();
      const read = await this.read(key, now);
      const { window } = read;
      const start = now - this.options.windowMs;
      const full = window.accepted.length >= this.options.limit ? window.accepted : window.refused.length >= this.options.refusedLimit ? window.refused : null;
      if (full) return { allowed: false, retryAfterS: Math.max(1, Math.ceil((full[0]! - start) / 1000)) };
      window.accepted.push(now);
      if (await this.write(key, read.version, window, now)) return { allowed: true, refused: () => this.giveBack(key, now) };
    }
    // the address's own submissions kept changing its row: it is busy enough to wait a second
    return { allowed: false, retryAfterS: 1 };
  }

  /** Deletes the rows whose every submission has left the window. */
  async purge(): Promise<void> {
    await this.query.db.deleteFrom('report_limits').where('updated_at', '<=', this.options.now() - this.options.windowMs).execute();
  }

  /** The place taken at `takenAt` goes back; the submission counts among the refused. */
  private async giveBack(key: string, takenAt: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.options.now();
      const { window, version } = await this.read(key, now);
      const index = window.accepted.indexOf(takenAt);
      if (index >= 0) window.accepted.splice(index, 1);
      window.refused.push(now);
      if (await this.write(key, version, window, now)) return;
    }
  }

  /** The address's window as stored, its times that left the window dropped; version null when no row exists. */
  private async read(key: string, now: number): Promise<{ window: ClientWindow; version: number | null }> {
    const row = await this.query.db.selectFrom('report_limits').select(['accepted', 'refused', 'version']).where('client', '=', key).executeTakeFirst();
    const start = now - this.options.windowMs;
    const inWindow = (json: string | undefined) => (json ? (JSON.parse(json) as number[]) : []).filter((t) => t > start);
    return { window: { accepted: inWindow(row?.accepted), refused: inWindow(row?.refused) }, version: row ? Number(row.version) : null };
  }

  /** Writes the window if the row is still the version read (or still absent); false when another writer came first. */
  private async write(key: string, version: number | null, window: ClientWindow, now: number): Promise<boolean> {
    const accepted = JSON.stringify(window.accepted);
    const refused = JSON.stringify(window.refused);
    if (version === null) {
      const inserted = await this.query.db
        .insertInto('report_limits')
        .values({ client: key, accepted, refused, version: 1, updated_at: now })
        .onConflict((oc) => oc.column('client').doNothing())
        .returning('version')
        .executeTakeFirst();
      return inserted !== undefined;
    }
    const updated = await this.query.db
      .updateTable('report_limits')
      .set({ accepted, refused, version: version + 1, updated_at: now })
      .where('client', '=', key)
      .where('version', '=', version)
      .returning('version')
      .executeTakeFirst();
    return updated !== undefined;
  }
}
