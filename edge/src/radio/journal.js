import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
export class MemoryJournal {
    retentionMs;
    data = { occurrences: {}, alerts: {} };
    constructor(retentionMs = 3 * 24 * 3600_000) {
        this.retentionMs = retentionMs;
    }
    occurrence(id) {
        return this.data.occurrences[id];
    }
    setOccurrence(id, record) {
        this.data.occurrences[id] = record;
        this.changed();
    }
    alert(id) {
        return this.data.alerts[id];
    }
    setAlert(id, record) {
        this.data.alerts[id] = record;
        this.changed();
    }
    occurrences() {
        return Object.entries(this.data.occurrences);
    }
    prune() {
        const cutoff = Date.now() - this.retentionMs;
        for (const [id, r] of Object.entries(this.data.occurrences))
            if (r.at < cutoff && r.plannedStartAt < cutoff)
                delete this.data.occurrences[id];
        for (const [id, r] of Object.entries(this.data.alerts))
            if (r.at < cutoff)
                delete this.data.alerts[id];
    }
    changed() {
        this.prune();
    }
}
/** A JSON file (written atomically through a temporary file and rename), e.g. `{dataDir}/radio/journal.json`. */
export class FileJournal extends MemoryJournal {
    path;
    constructor(path, retentionMs) {
        super(retentionMs);
        this.path = path;
        mkdirSync(dirname(path), { recursive: true });
        if (existsSync(path)) {
            try {
                const parsed = JSON.parse(readFileSync(path, 'utf8'));
                this.data = { occurrences: parsed.occurrences ?? {}, alerts: parsed.alerts ?? {} };
            }
            catch {
                this.data = { occurrences: {}, alerts: {} }; // a corrupt journal costs at most a repeated report
            }
        }
    }
    changed() {
        this.prune();
        const tmp = `${this.path}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(this.data));
        renameSync(tmp, this.path);
    }
}
//# sourceMappingURL=journal.js.map