import { join } from 'node:path';
import type { CommuneSeed } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import { createLeadership, type Leadership } from './cluster/leadership.js';
import { assertSharedSecrets } from './cluster/shared-secrets.js';
import type { CloudConfig } from './config.js';
import { openQueryDatabase, type QueryDatabase } from './db/query/index.js';
import { DiskSpace } from './disk-space.js';
import { loadExportSigner } from './evidence/signing-key.js';
import { resealBoxSecrets } from './fleet/box-secret-reseal.js';
import { seedCommune } from './hamlets/hamlets.js';
import { loadTlsFiles } from './http/tls.js';
import { createCloudMetrics, type CloudMetrics } from './metrics.js';
import { loadSecretBox } from './secrets/secret-keys.js';
import { sealCameraPasswords } from './vision/camera-secrets.js';

/** What the cloud opens before its services: if their start fails, the leader lock is freed and the database closed. */
export interface Opened {
  logger: Logger;
  startedAt: number;
  tls: ReturnType<typeof loadTlsFiles>;
  secrets: ReturnType<typeof loadSecretBox>;
  signer: ReturnType<typeof loadExportSigner>;
  query: QueryDatabase;
  diskSpace: DiskSpace;
  metrics: CloudMetrics;
  leadership: Leadership;
}

/**
 * The cloud's ground: its files and keys checked and loaded, the database opened, migrated, its
 * secrets sealed with the current key and the commune seeded, the metrics, and the leadership taken part in.
 */
export async function openCloud(config: CloudConfig, logger: Logger, commune: CommuneSeed): Promise<Opened> {
  const startedAt = Date.now();
  // before anything opens: a wrong certificate or key stops the start naming the variable
  const tls = loadTlsFiles(config);
  // with SC_DATABASE_URL every process must hold the same secrets: refused before any is generated
  assertSharedSecrets(config);
  const secrets = loadSecretBox(config);
  const signer = loadExportSigner(config);
  // SQLite file or PostgreSQL (SC_DATABASE_URL), migrated; closed last by the cloud's close()
  const query = await openQueryDatabase({ SC_DATABASE_URL: config.SC_DATABASE_URL, sqliteFile: join(config.SC_DATA_DIR, 'cloud.db') });
  const diskSpace = new DiskSpace(config.SC_DATA_DIR);
  try {
    await sealCameraPasswords(query, secrets, logger);
    await resealBoxSecrets(query, secrets, logger);
  } catch (err) {
    await query.close();
    throw err;
  }
  await seedCommune(query, commune);
  const metrics = createCloudMetrics();
  // one process of those sharing the database runs the once-only work; the first try is made now,
  // so a process alone (or the first) leads before the domains start
  const leadership = createLeadership({
    databaseUrl: config.SC_DATABASE_URL,
    logger: logger.child({ component: 'leadership' }),
    onChange: (leader) => metrics.clusterLeader.set(leader ? 1 : 0),
  });
  await leadership.start();
  return { logger, startedAt, tls, secrets, signer, query, diskSpace, metrics, leadership };
}
