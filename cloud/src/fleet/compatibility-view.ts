import { BASELINE_CONTRACT, CONTRACT_FEATURES, supports, type FeatureSpec } from '@smart-commune/shared';
import type { DocumentName } from '@smart-commune/shared';
import { cloudContract } from './cloud-contract.js';
import type { DocumentState } from './documents.js';
import type { AnnouncedContract } from './edge-contracts.js';
import type { Edge } from './edge-store.js';

/**
 * One box against this cloud (GET /edges/{id}/compatibility and the box page): the contracts, the
 * features the box lacks, and per document what the cloud withheld and what the box ignored.
 */
export function compatibilityView(edge: Edge, announced: AnnouncedContract | null, documents: DocumentState<DocumentName>[]) {
  const box = announced ?? BASELINE_CONTRACT;
  const { ts: _ts, ...cloud } = cloudContract();
  const missing = (Object.entries(CONTRACT_FEATURES) as [string, FeatureSpec][])
    .filter(([feature]) => !supports(box, feature))
    .map(([feature, spec]) => ({ feature, since: spec.since, summary: spec.summary }));
  return {
    box: { version: box.version, features: box.features, announcedAt: announced?.announcedAt ?? null, softwareVersion: edge.telemetry?.softwareVersion ?? null },
    cloud,
    missing,
    documents: documents.map(({ doc, version, issuedAt, withheld, reported }) => ({ doc, version, issuedAt, withheld, reported })),
  };
}
