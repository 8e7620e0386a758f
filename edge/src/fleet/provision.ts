import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { apiErrorSchema, claimResponseSchema, describeIssues, type ClaimResponse } from '@smart-commune/shared';
import { CONFIG_FILE, edgeConfigSchema, loadEdgeConfig, saveCredentials, saveEdgeConfig, type EdgeConfig, type EdgeConfigInput } from '../config.js';
import { DATABASE_FILE } from '../db/database.js';
import { EDGE_VERSION } from '../version.js';

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

export interface ProvisionOptions {
  cloudUrl: string;
  token: string;
  dataDir: string;
  /** Replace an existing provisioning (a box moved or re-issued). */
  force?: boolean;
}

async function postClaim(cloudUrl: string, token: string): Promise<ClaimResponse> {
  const url = new URL('/api/v1/provision/claim', cloudUrl);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname: hostname(), softwareVersion: EDGE_VERSION }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new ProvisionError(`cannot reach the cloud at ${cloudUrl}: ${(err as Error).message}`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const apiError = apiErrorSchema.safeParse(body);
    throw new ProvisionError(apiError.success ? apiError.data.error.message : `the cloud answered HTTP ${res.status}`);
  }
  const parsed = claimResponseSchema.safeParse(body);
  if (!parsed.success) throw new ProvisionError(`unexpected claim answer from the cloud: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * A box re-provisioned as a different edge must not carry the old identity's outbox (its topics
 * would be refused) or applied document versions; the old database is kept aside, not deleted.
 */
function setAsideDatabase(dataDir: string, oldEdgeId: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    const file = join(dataDir, `${DATABASE_FILE}${suffix}`);
    if (existsSync(file)) renameSync(file, join(dataDir, `${DATABASE_FILE}.replaced-${oldEdgeId}${suffix}`));
  }
}

/** Claims the box with a one-time token and writes its config and its credentials (0600). */
export async function provision(options: ProvisionOptions): Promise<EdgeConfig> {
  const previous = existsSync(join(options.dataDir, CONFIG_FILE)) ? loadEdgeConfig(options.dataDir) : null;
  if (previous && !options.force) {
    throw new ProvisionError(`this box is already provisioned (${join(options.dataDir, CONFIG_FILE)}); add --force to replace it`);
  }
  const claim = await postClaim(options.cloudUrl, options.token);
  if (previous && previous.edgeId !== claim.edgeId) setAsideDatabase(options.dataDir, previous.edgeId);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o750 });
  const input: EdgeConfigInput = {
    edgeId: claim.edgeId,
    name: claim.name,
    hamletCode: claim.hamletCode,
    cloudUrl: claim.cloudUrl,
    mqttUrl: claim.mqtt.url,
    telemetryIntervalS: claim.telemetryIntervalS,
    provisionedAt: Date.now(),
    // the technician's own settings of this cabinet survive a new claim
    ...(previous?.modelDir ? { modelDir: previous.modelDir } : {}),
    ...(previous?.liveView ? { liveView: previous.liveView } : {}),
    ...(previous ? { rebootCommand: previous.rebootCommand, logFile: previous.logFile } : {}),
  };
  saveCredentials(options.dataDir, { username: claim.mqtt.username, password: claim.mqtt.password });
  saveEdgeConfig(options.dataDir, input);
  return edgeConfigSchema.parse(input);
}
