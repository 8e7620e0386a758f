import { Counter, Gauge, type Registry } from 'prom-client';
import { rolloutBoxStates, type RolloutBoxState } from './rollout-types.js';

export type ReleaseMetrics = ReturnType<typeof createReleaseMetrics>;

/** The releases domain's metrics, in the cloud's registry (kept here so metrics.ts stays small). */
export function createReleaseMetrics(registry: Registry, boxesByState: () => Promise<{ state: RolloutBoxState; count: number }[]>) {
  return {
    uploads: new Counter({
      name: 'sc_release_uploads_total',
      help: 'Release bundle uploads by outcome (stored, bad_signature, bad_manifest, file_mismatch, not_a_bundle, too_large, exists)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    keyRotationAnswers: new Counter({
      name: 'sc_release_key_rotation_answers_total',
      help: 'Answers of boxes to release key rotations sent from the cloud: applied, or refused with the box\'s code (bad_signature, unknown_key, stale_keys, …)',
      labelNames: ['outcome', 'code'] as const,
      registers: [registry],
    }),
    bundleBytesSent: new Counter({ name: 'sc_release_bundle_bytes_sent_total', help: 'Bytes of release bundles sent to boxes (ranges included)', registers: [registry] }),
    rolloutBoxes: new Gauge({
      name: 'sc_rollout_boxes',
      help: 'Boxes in rollouts under way (running or paused), by their state in the rollout',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const counts = new Map((await boxesByState()).map((r) => [r.state, r.count]));
        for (const state of rolloutBoxStates) this.set({ state }, counts.get(state) ?? 0);
      },
    }),
  };
}
