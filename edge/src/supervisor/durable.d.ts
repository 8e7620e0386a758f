import type { z } from 'zod';
/**
 * Files that must survive a power cut whole or not at all: write a temporary file, fsync it, rename
 * it over the target, fsync the directory (so the rename itself is on disk). A reader sees the old
 * content or the new one, never a mix; a leftover `.tmp` file is ignored.
 */
export declare function fsyncDir(dir: string): void;
export declare function writeFileDurable(path: string, content: string | Buffer, mode?: number): void;
export declare function writeJsonDurable(path: string, value: unknown, mode?: number): void;
export declare function removeDurable(path: string): void;
export declare class ProtocolFileError extends Error {
    name: string;
}
/** A protocol file: null when absent; a ProtocolFileError naming the file when it is not valid. */
export declare function readJsonFile<T>(path: string, schema: z.ZodType<T>): T | null;
//# sourceMappingURL=durable.d.ts.map