import type { Db } from '../../db/database.js';
import { conflict, notFound } from '../../http/errors.js';

/** A CAP `sender` whose alerts play on their own (the province's list). */
export interface TrustedSender {
  sender: string;
  note: string;
  addedBy: string | null;
  addedAt: number;
}

/** The trusted CAP senders: compared exactly with a message's `sender`. */
export class TrustedSenders {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  list(): TrustedSender[] {
    return this.db.prepare('SELECT sender, note, added_by AS addedBy, added_at AS addedAt FROM cap_trusted_senders ORDER BY sender').all() as TrustedSender[];
  }

  has(sender: string): boolean {
    return this.db.prepare('SELECT 1 FROM cap_trusted_senders WHERE sender = ?').get(sender) !== undefined;
  }

  add(sender: string, note: string, addedBy: string | null): TrustedSender {
    if (this.has(sender)) throw conflict(`sender ${sender} is already trusted`);
    this.db.prepare('INSERT INTO cap_trusted_senders (sender, note, added_by, added_at) VALUES (?, ?, ?, ?)').run(sender, note, addedBy, this.now());
    return this.list().find((s) => s.sender === sender)!;
  }

  remove(sender: string): void {
    if (this.db.prepare('DELETE FROM cap_trusted_senders WHERE sender = ?').run(sender).changes === 0) throw notFound(`trusted sender ${sender}`);
  }
}
