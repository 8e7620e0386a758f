import { z } from 'zod';
/**
 * The live view's part of the edge config. It runs only when a password is set: a box never serves
 * an open stream. The default host listens on the cabinet LAN (every page and stream needs the password).
 */
export declare const liveViewSettingsSchema: z.ZodObject<{
    host: z.ZodDefault<z.ZodString>;
    port: z.ZodDefault<z.ZodNumber>;
    password: z.ZodOptional<z.ZodString>;
    width: z.ZodDefault<z.ZodNumber>;
}, z.core.$strip>;
export type LiveViewSettings = z.infer<typeof liveViewSettingsSchema>;
//# sourceMappingURL=config.d.ts.map