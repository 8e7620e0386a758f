/** The directory of an item's files, by the UTC date it opened on (`{dir}/YYYY-MM-DD`), made when missing. */
export declare function dayDir(dir: string, timeMs: number): string;
//# sourceMappingURL=day-dir.d.ts.map