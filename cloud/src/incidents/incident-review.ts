import { actorOf, type AuditLog } from '../audit/audit-log.js';
import { assertSees, sees, type Scoped } from '../communes/scope.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ApiError, badRequest, conflict, notFound } from '../http/errors.js';
import { can, rolesFor } from '../users/permissions.js';
import type { User, UserStore } from '../users/user-store.js';
import type { IncidentNote, IncidentNotes } from './incident-notes.js';
import type { IncidentRecord, ReviewStatus } from './incident-records.js';
import type { IncidentStore } from './incident-store.js';

/** The review workflow: new → reviewing → confirmed | dismissed; a closed incident can be reopened for review. */
const NEXT_STATUSES: Record<ReviewStatus, readonly ReviewStatus[]> = {
  new: ['reviewing'],
  reviewing: ['confirmed', 'dismissed'],
  confirmed: ['reviewing'],
  dismissed: ['reviewing'],
};

export interface IncidentPatch {
  status?: ReviewStatus;
  /** A police or admin user's id; null to unassign. */
  assigneeId?: string | null;
  legalHold?: boolean;
}

export interface ReviewDeps {
  store: IncidentStore;
  notes: IncidentNotes;
  users: UserStore;
  audit: AuditLog;
  bus: DomainEventBus;
}

/** Review of incidents by police: status, assignee, legal hold and notes, each change in the audit log; a new status is published. */
export class IncidentReview {
  constructor(private readonly deps: ReviewDeps) {}

  /**
   * The incident as `viewer` may see it: another commune's answers 404 like a missing one. An
   * incident is never the province's own (null: its box had no hamlet), so only the province sees those.
   */
  async get(id: string, viewer: Scoped): Promise<IncidentRecord> {
    const incident = await this.deps.store.get(id);
    if (!incident) throw notFound(`incident ${id}`);
    assertSees(viewer, incident.communeCode, `incident ${id}`, { provinceItems: false });
    return incident;
  }

  async patch(id: string, patch: IncidentPatch, by: User, ip: string | null): Promise<IncidentRecord> {
    const before = await this.get(id, by);
    if (patch.status !== undefined && patch.status !== before.status && !NEXT_STATUSES[before.status].includes(patch.status)) {
      throw conflict(`an incident in status "${before.status}" can move to ${NEXT_STATUSES[before.status].map((s) => `"${s}"`).join(' or ')}, not "${patch.status}"`, {
        from: before.status,
        allowed: NEXT_STATUSES[before.status],
      });
    }
    if (patch.assigneeId) await this.assertAssignable(patch.assigneeId, before);
    await this.deps.store.update(id, patch);

    const record = (action: string, details: Record<string, unknown>) =>
      this.deps.audit.record({ actor: actorOf(by), action, target: `incident:${id}`, details, ip });
    if (patch.status !== undefined && patch.status !== before.status) {
      await record('incident.status_change', { from: before.status, to: patch.status });
      this.deps.bus.publish('incident.reviewed', { incidentId: id, hamletCode: before.hamletCode, from: before.status, to: patch.status, by: by.id });
    }
    if (patch.assigneeId !== undefined && patch.assigneeId !== (before.assignee?.id ?? null)) await record('incident.assign', { from: before.assignee?.id ?? null, to: patch.assigneeId });
    if (patch.legalHold !== undefined && patch.legalHold !== before.legalHold) await record('incident.legal_hold', { legalHold: patch.legalHold });
    return this.get(id, by);
  }

  async addNote(id: string, text: string, by: User, ip: string | null): Promise<IncidentNote> {
    await this.get(id, by);
    const note = await this.deps.notes.add(id, by, text);
    await this.deps.audit.record({ actor: actorOf(by), action: 'incident.note', target: `incident:${id}`, details: { noteId: note.id }, ip });
    return note;
  }

  private async assertAssignable(userId: string, incident: IncidentRecord): Promise<void> {
    let user: User;
    try {
      user = await this.deps.users.get(userId);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw badRequest(`no user ${userId}`, [{ path: 'assigneeId', message: 'unknown user' }]);
      throw err;
    }
    // nor another commune's officer, who could not open it (answered like an unknown user: their
    // commune's people are not the assigner's to know of)
    if (!sees(user, incident.communeCode, { provinceItems: false })) throw badRequest(`no user ${userId}`, [{ path: 'assigneeId', message: 'unknown user' }]);
    // the one who handles an incident must be allowed to see it
    if (user.disabled || !can(user, 'incidents.review')) {
      throw badRequest(`${user.username} cannot be assigned an incident (an active account of these roles is needed: ${rolesFor('incidents.review').join(', ')})`, [
        { path: 'assigneeId', message: `role ${user.role}` },
      ]);
    }
  }
}
