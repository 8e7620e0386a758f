import { newId } from '@smart-commune/shared';
import type { Db } from '../db/database.js';
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

interface Row {
  id: string;
  incident_id: string;
  text: string;
  author_id: string | null;
  author_name: string;
  created_at: number;
}

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
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  add(incidentId: string, author: User, text: string): IncidentNote {
    const note: IncidentNote = { id: newId('note'), incidentId, text, authorId: author.id, authorName: author.displayName || author.username, createdAt: this.now() };
    this.db
      .prepare('INSERT INTO incident_notes (id, incident_id, author_id, author_name, text, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(note.id, incidentId, note.authorId, note.authorName, text, note.createdAt);
    return note;
  }

  list(incidentId: string): IncidentNote[] {
    return (this.db.prepare('SELECT * FROM incident_notes WHERE incident_id = ? ORDER BY created_at, id').all(incidentId) as Row[]).map(toNote);
  }
}
