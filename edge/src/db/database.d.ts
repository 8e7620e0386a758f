import Database from 'better-sqlite3';
export type Db = Database.Database;
export declare const DATABASE_FILE = "edge.db";
/** Opens the box's own SQLite file in the data dir and brings its schema up to date. */
export declare function openEdgeDatabase(dataDir: string): Db;
//# sourceMappingURL=database.d.ts.map