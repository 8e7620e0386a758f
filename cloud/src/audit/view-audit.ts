import type { Context } from 'hono';
import { currentUser } from '../http/access.js';
import type { AppEnv } from '../http/env.js';
import { actorOf, type AuditLog } from './audit-log.js';
import { requestIp } from './request-ip.js';

/**
 * A video player fetches a clip in many range requests, and a technician's page reloads a camera's
 * picture again and again: within this window they count as one viewing.
 */
export const VIEW_WINDOW_MS = 10 * 60_000;

/**
 * Records that the signed-in person looked at `target` (evidence, a live camera picture): one
 * entry per person, action and target per window.
 */
export async function auditView(audit: AuditLog, c: Context<AppEnv>, view: { action: string; target: string; details?: Record<string, unknown> }): Promise<void> {
  await audit.recordOnce({ actor: actorOf(currentUser(c)), ...view, ip: requestIp(c) }, VIEW_WINDOW_MS);
}
