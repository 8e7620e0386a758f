import { z } from 'zod';
import { epochMs } from '../time.js';

/** `sc/v1/edges/{edgeId}/availability`, retained; the edge's last will says offline. */
export const availabilitySchema = z.object({
  state: z.enum(['online', 'offline']),
  ts: epochMs,
});
export type Availability = z.infer<typeof availabilitySchema>;
