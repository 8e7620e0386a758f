import { z } from 'zod';

export const roles = ['admin', 'technician', 'operator', 'police', 'viewer'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/**
 * Who may call a route: a list of roles, an edge device with its own credentials, or anyone. A
 * person whose password an admin set may only call the routes marked `duringPasswordChange`
 * (changing it, logging out) until they have chosen their own.
 */
export type Access = { roles: readonly Role[]; duringPasswordChange?: true } | 'device' | 'public';
