/**
 * The province benchmark's HTTP side (issue 10, "Figures"): a real cloud started on a database the
 * benchmark has already filled (the SQLite file as `<SC_DATA_DIR>/cloud.db`, or PostgreSQL through
 * SC_DATABASE_URL), the fixture's commune people given passwords through the cloud's UserStore and
 * signed in over the API, and GET requests timed as the console sends them: `fetch` to
 * cloud.httpUrl over real TCP, one request after the other, so the client reuses its kept-alive
 * connection (the figure is what an officer waits for once the console is open, not a TCP handshake).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadCloudConfig, startCloud, type CloudHandle } from '../../../cloud/src/index.js';
import { UserStore } from '../../../cloud/src/users/user-store.js';
import { silentLogger } from '../../../shared/src/runtime/index.js';
import { sharedSecretsIn } from '../../../test-support/shared-secrets.js';

export interface BenchCloud {
  cloud: CloudHandle;
  close(): Promise<void>;
}

/** A cloud on random ports over `dataDir` (its cloud.db) or, given `databaseUrl`, over that PostgreSQL database. */
export async function startBenchCloud(dataDir: string, databaseUrl?: string): Promise<BenchCloud> {
  const config = loadCloudConfig(
    {},
    {
      SC_DATA_DIR: dataDir,
      SC_HTTP_PORT: 0,
      SC_MQTT_PORT: 0,
      SC_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
      SC_LOG_LEVEL: 'silent',
      // the fill spans the last 90 days: no retention sweep may delete measured rows while the figures are taken
      SC_INCIDENT_RETENTION_DAYS: 3650,
      // on PostgreSQL the shared secrets come from configuration (cluster/shared-secrets.ts)
      ...(databaseUrl ? { SC_DATABASE_URL: databaseUrl, ...sharedSecretsIn(dataDir) } : {}),
    },
  );
  const cloud = await startCloud(config, { logger: silentLogger() });
  return { cloud, close: () => cloud.close() };
}

/**
 * Bearer tokens of the given people (ids of users the fixture wrote without a password): each gets a
 * password through the UserStore (no forced change, as a technician would set it up), then signs in
 * through POST /api/v1/auth/token like the console does. Keyed by user id.
 */
export async function signIn(cloud: CloudHandle, people: { id: string }[]): Promise<Map<string, string>> {
  const users = new UserStore(cloud.query);
  const tokens = new Map<string, string>();
  for (const person of people) {
    const password = randomBytes(12).toString('hex');
    const user = await users.update(person.id, { password, mustChangePassword: false });
    const res = await fetch(`${cloud.httpUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password }),
    });
    const body = (await res.json()) as { token?: string };
    if (res.status !== 200 || !body.token) throw new Error(`sign-in of ${user.username} answered ${res.status}: ${JSON.stringify(body)}`);
    tokens.set(person.id, body.token);
  }
  return tokens;
}

/**
 * One GET as the console sends it, timed from the request until the whole JSON body is read and
 * parsed (what the page waits for). Anything but 200 stops the benchmark: a figure of error replies
 * would measure nothing.
 */
export async function timedGet<T>(cloud: CloudHandle, path: string, token: string): Promise<{ ms: number; body: T }> {
  const started = performance.now();
  const res = await fetch(`${cloud.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return { ms, body: JSON.parse(text) as T };
}
