import type { Db } from './database.js';
/** Small named facts the daemon keeps for `sc-edge status` (connection, clock) — readable while it runs. */
export declare class StateStore {
    private readonly upsert;
    private readonly select;
    constructor(db: Db);
    set(key: string, value: unknown): void;
    get<T>(key: string): {
        value: T;
        updatedAt: number;
    } | null;
}
//# sourceMappingURL=state.d.ts.map