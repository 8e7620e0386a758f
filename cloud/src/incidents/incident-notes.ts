import { newId } from '@smart-commune/shared';
import type { Selectable } from 'kysely';
import type { QueryDatabase } from '../db/query/index.js';
import type { IncidentNotesTable } from '../db/query/tables.js';
import type { User } from '../users/user-store.js';

export interface IncidentNote {
  id: string;
  incidentId: string;
  text: string;
  /** Null when the author's account was deleted; `authorName` keeps who it was. */
  authorId: string | null;
  authorName: string;
  createdAt: number;
}

type Row = Selectable<IncidentNotesTable>;

const toNote = (r: Row): IncidentNote => ({
  id: r.id,
  incidentId: r.incident_id,
  text: r.text,
  authorId: r.author_id,
  authorName: r.author_name,
  createdAt: r.created_at,
});

/** Review notes on incidents, oldest first; they go when their incident goes. */
export class IncidentNotes {
  constructor(
    private readonly q: QueryDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  async add(incidentId: string, author: User, text: string): Promise<IncidentNote> {
    const note: IncidentNote = { id: newId('note'), incidentId, text, authorId: author.id, authorName: author.displayName || author.username, createdAt: this.now() };
    await this.q.db
      .insertInto('incident_notes')
      .values({ id: note.id, incident_id: incidentId, author_id: note.authorId, author_name: note.authorName, text, created_at: note.createdAt })
      .execute();
    return note;
  }

  async list(incidentId: string): Promise<IncidentNote[]> {
    const rows = await this.q.db.selectFrom('incident_notes').selectAll().where('incident_id', '=', incidentId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toNote);
  }
}
