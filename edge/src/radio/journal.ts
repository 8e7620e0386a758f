import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What the player remembers of an occurrence across restarts. */
export interface OccurrenceRecord {
  /** playing: its audio was leaving; suspended: interrupted, to resume at offsetFrames; done: final event sent. */
  state: 'playing' | 'suspended' | 'done';
  plannedStartAt: number;
  actualStartAt: number | null;
  /** Frames (10 ms) already played. */
  offsetFrames: number;
  interruptedAt: number | null;
  /** Wall-clock ms of the last change (pruning). */
  at: number;
}

export interface AlertRecord {
  version: number;
  cancelled: boolean;
  at: number;
}

/** Occurrences handled and alert versions seen, so a restart neither replays nor reports "missed" twice. */
export interface PlaybackJournal {
  occurrence(id: string): OccurrenceRecord | undefined;
  setOccurrence(id: string, record: OccurrenceRecord): void;
  alert(id: string): AlertRecord | undefined;
  setAlert(id: string, record: AlertRecord): void;
  occurrences(): Array<[string, OccurrenceRecord]>;
}

interface JournalData {
  occurrences: Record<string, OccurrenceRecord>;
  alerts: Record<string, AlertRecord>;
}

export class MemoryJournal implements PlaybackJournal {
  protected data: JournalData = { occurrences: {}, alerts: {} };

  constructor(protected readonly retentionMs = 3 * 24 * 3600_000) {}

  occurrence(id: string): OccurrenceRecord | undefined {
    return this.data.occurrences[id];
  }

  setOccurrence(id: string, record: OccurrenceRecord): void {
    this.data.occurrences[id] = record;
    this.changed();
  }

  alert(id: string): AlertRecord | undefined {
    return this.data.alerts[id];
  }

  setAlert(id: string, record: AlertRecord): void {
    this.data.alerts[id] = record;
    this.changed();
  }

  occurrences(): Array<[string, OccurrenceRecord]> {
    return Object.entries(this.data.occurrences);
  }

  protected prune(): void {
    const cutoff = Date.now() - this.retentionMs;
    for (const [id, r] of Object.entries(this.data.occurrences)) if (r.at < cutoff && r.plannedStartAt < cutoff) delete this.data.occurrences[id];
    for (const [id, r] of Object.entries(this.data.alerts)) if (r.at < cutoff) delete this.data.alerts[id];
  }

  protected changed(): void {
    this.prune();
  }
}

/** A JSON file (written atomically through a temporary file and rename), e.g. `{dataDir}/radio/journal.json`. */
export class FileJournal extends MemoryJournal {
  constructor(
    readonly path: string,
    retentionMs?: number,
  ) {
    super(retentionMs);
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<JournalData>;
        this.data = { occurrences: parsed.occurrences ?? {}, alerts: parsed.alerts ?? {} };
      } catch {
        this.data = { occurrences: {}, alerts: {} }; // a corrupt journal costs at most a repeated report
      }
    }
  }

  protected override changed(): void {
    this.prune();
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.path);
  }
}
