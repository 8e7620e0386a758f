import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from './access.js';
/**
 * The live view's part of the edge config. It runs only when a password is set: a box never serves
 * an open stream. The default host listens on the cabinet LAN (every page and stream needs the password).
 */
export const liveViewSettingsSchema = z.object({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(1).max(65_535).default(8090),
    password: z.string().min(MIN_PASSWORD_LENGTH, `must have at least ${MIN_PASSWORD_LENGTH} characters`).max(128).optional(),
    /** Width of the relayed picture (height keeps the aspect ratio). */
    width: z.number().int().min(160).max(1920).default(640),
});
//# sourceMappingURL=config.js.map