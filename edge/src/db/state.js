/** Small named facts the daemon keeps for `sc-edge status` (connection, clock) — readable while it runs. */
export class StateStore {
    upsert;
    select;
    constructor(db) {
        this.upsert = db.prepare('INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at');
        this.select = db.prepare('SELECT value, updated_at FROM state WHERE key = ?');
    }
    set(key, value) {
        this.upsert.run(key, JSON.stringify(value), Date.now());
    }
    get(key) {
        const row = this.select.get(key);
        return row ? { value: JSON.parse(row.value), updatedAt: row.updated_at } : null;
    }
}
//# sourceMappingURL=state.js.map