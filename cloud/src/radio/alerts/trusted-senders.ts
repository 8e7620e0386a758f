import type { Db } from '../../db/database.js';
import { badRequest, conflict, notFound } from '../../http/errors.js';
import { parseSignerKey, type SignerKey } from '../cap/signer-key.js';

/** A CAP `sender` whose alerts play on their own (the province's list). */
export interface TrustedSender {
  sender: string;
  note: string;
  addedBy: string | null;
  addedAt: number;
  /** The PEM certificate or public key its messages must be signed with; null: trusted by name. */
  signerPem: string | null;
}

const COLUMNS = 'sender, note, added_by AS addedBy, added_at AS addedAt, signer_pem AS signerPem';

/** The trusted CAP senders: compared exactly with a message's `sender`. */
export class TrustedSenders {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  list(): TrustedSender[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM cap_trusted_senders ORDER BY sender`).all() as TrustedSender[];
  }

  find(sender: string): TrustedSender | null {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM cap_trusted_senders WHERE sender = ?`).get(sender) as TrustedSender | undefined) ?? null;
  }

  has(sender: string): boolean {
    return this.find(sender) !== null;
  }

  /** The key a sender signs with; null when it is not on the list or trusted by name only. */
  signerKey(sender: string): SignerKey | null {
    const pem = this.find(sender)?.signerPem;
    if (!pem) return null;
    const parsed = parseSignerKey(pem);
    // stored only after it parsed: failing now is a fault of this installation, not of a message
    if (!parsed.ok) throw new Error(`stored key of trusted sender ${sender}: ${parsed.error}`);
    return parsed.key;
  }

  add(sender: string, note: string, addedBy: string | null, signerPem: string | null = null): TrustedSender {
    if (this.has(sender)) throw conflict(`sender ${sender} is already trusted`);
    if (signerPem !== null) {
      const parsed = parseSignerKey(signerPem);
      if (!parsed.ok) throw badRequest(`the certificate is not usable: ${parsed.error}`, [{ path: 'certificate', message: parsed.error }]);
    }
    this.db.prepare('INSERT INTO cap_trusted_senders (sender, note, added_by, added_at, signer_pem) VALUES (?, ?, ?, ?, ?)').run(sender, note, addedBy, this.now(), signerPem?.trim() ?? null);
    return this.find(sender)!;
  }

  remove(sender: string): void {
    if (this.db.prepare('DELETE FROM cap_trusted_senders WHERE sender = ?').run(sender).changes === 0) throw notFound(`trusted sender ${sender}`);
  }
}
