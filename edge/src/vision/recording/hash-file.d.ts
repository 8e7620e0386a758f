/** sha256 of a file's bytes, hex, read as a stream (clips are too big to hold in memory on the box). */
export declare function hashFile(path: string): Promise<string>;
//# sourceMappingURL=hash-file.d.ts.map