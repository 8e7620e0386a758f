import { z } from 'zod';
/** What `sc-edge provision` writes and `sc-edge run` reads: `edge.json` in the data dir. */
export declare const edgeConfigSchema: z.ZodObject<{
    edgeId: z.ZodString;
    name: z.ZodString;
    hamletCode: z.ZodString;
    cloudUrl: z.ZodString;
    mqttUrl: z.ZodString;
    telemetryIntervalS: z.ZodNumber;
    provisionedAt: z.ZodNumber;
    modelDir: z.ZodOptional<z.ZodString>;
    liveView: z.ZodOptional<z.ZodObject<{
        host: z.ZodDefault<z.ZodString>;
        port: z.ZodDefault<z.ZodNumber>;
        password: z.ZodOptional<z.ZodString>;
        width: z.ZodDefault<z.ZodNumber>;
    }, z.core.$strip>>;
}, z.core.$strip>;
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;
/** The box's own secret, kept apart from the config and readable by its owner only (0600). */
export declare const credentialsSchema: z.ZodObject<{
    username: z.ZodString;
    password: z.ZodString;
}, z.core.$strip>;
export type Credentials = z.infer<typeof credentialsSchema>;
export declare const CONFIG_FILE = "edge.json";
export declare const CREDENTIALS_FILE = "credentials.json";
export declare class EdgeConfigError extends Error {
    name: string;
}
/** Writes via a temporary file and rename, so a crash never leaves half a file. */
export declare function writeFileAtomic(path: string, content: string, mode?: number): void;
export declare function loadEdgeConfig(dataDir: string): EdgeConfig;
export declare function loadCredentials(dataDir: string): Credentials;
export declare function saveEdgeConfig(dataDir: string, config: EdgeConfig): void;
export declare function saveCredentials(dataDir: string, credentials: Credentials): void;
/** The data dir: the flag, else SC_DATA_DIR, else the packaged default. */
export declare function resolveDataDir(flag: string | undefined, env?: Record<string, string | undefined>): string;
//# sourceMappingURL=config.d.ts.map