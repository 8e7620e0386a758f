import type { QueryDatabase } from '../../db/query/index.js';
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

/** The trusted CAP senders: compared exactly with a message's `sender`. */
export class TrustedSenders {
  constructor(
    private readonly q: QueryDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  private select() {
    return this.q.db.selectFrom('cap_trusted_senders').select(['sender', 'note', 'added_by as addedBy', 'added_at as addedAt', 'signer_pem as signerPem']);
  }

  list(): Promise<TrustedSender[]> {
    return this.select().orderBy('sender').execute();
  }

  async find(sender: string): Promise<TrustedSender | null> {
    return (await this.select().where('sender', '=', sender).executeTakeFirst()) ?? null;
  }

  async has(sender: string): Promise<boolean> {
    return (await this.find(sender)) !== null;
  }

  /** The key a sender signs with; null when it is not on the list or trusted by name only. */
  async signerKey(sender: string): Promise<SignerKey | null> {
    const pem = (await this.find(sender))?.signerPem;
    if (!pem) return null;
    const parsed = parseSignerKey(pem);
    // stored only after it parsed: failing now is a fault of this installation, not of a message
    if (!parsed.ok) throw new Error(`stored key of trusted sender ${sender}: ${parsed.error}`);
    return parsed.key;
  }

  /** Adds a sender; one already on the list is a conflict (ON CONFLICT DO NOTHING decides, so two adding at once get one row and one conflict). */
  async add(sender: string, note: string, addedBy: string | null, signerPem: string | null = null): Promise<TrustedSender> {
    if (await this.has(sender)) throw conflict(`sender ${sender} is already trusted`);
    if (signerPem !== null) {
      const parsed = parseSignerKey(signerPem);
      if (!parsed.ok) throw badRequest(`the certificate is not usable: ${parsed.error}`, [{ path: 'certificate', message: parsed.error }]);
    }
    const stored = await this.q.db
      .insertInto('cap_trusted_senders')
      .values({ sender, note, added_by: addedBy, added_at: this.now(), signer_pem: signerPem?.trim() ?? null })
      .onConflict((oc) => oc.column('sender').doNothing())
      .returning(['sender', 'note', 'added_by as addedBy', 'added_at as addedAt', 'signer_pem as signerPem'])
      .executeTakeFirst();
    if (!stored) throw conflict(`sender ${sender} is already trusted`);
    return stored;
  }

  async remove(sender: string): Promise<void> {
    const removed = await this.q.db.deleteFrom('cap_trusted_senders').where('sender', '=', sender).returning('sender').executeTakeFirst();
    if (!removed) throw notFound(`trusted sender ${sender}`);
  }
}
