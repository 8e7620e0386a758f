import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCloudConfig, startCloud, type CloudConfig, type CloudHandle } from '@smart-commune/cloud';
import { silentLogger } from '@smart-commune/shared/runtime';
import { freshPostgresAddress } from './postgres-databases.js';
import { sharedSecretsIn } from './shared-secrets.js';

export const TEST_ADMIN_PASSWORD = 'test-admin-password';

/** Status and parsed body of an HTTP reply. */
export interface Reply<T = any> {
  status: number;
  body: T;
}

export interface TestCloud {
  cloud: CloudHandle;
  dataDir: string;
  adminToken: string;
  /** JSON request to the cloud's HTTP API over real TCP; returns status and parsed body. */
  api<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<Reply<T>>;
  /** The same through `app.request()`, without the network (the route tests' way). */
  request<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<Reply<T>>;
  login(username: string, password: string): Promise<string>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Status and body of a reply: JSON parsed, anything else (metrics, CSV) as text. */
async function decode(res: Response): Promise<Reply> {
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, body: json && text ? JSON.parse(text) : text || null };
}

/**
 * Which database the test clouds of this run use: SQLite files (default), or PostgreSQL with
 * SC_TEST_DATABASE=postgres (scripts/test's second pass over the route suites).
 */
export const TEST_DATABASE: 'sqlite' | 'postgres' = process.env.SC_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
if (process.env.SC_TEST_DATABASE && !['sqlite', 'postgres'].includes(process.env.SC_TEST_DATABASE)) {
  throw new Error(`SC_TEST_DATABASE: must be sqlite or postgres, not ${JSON.stringify(process.env.SC_TEST_DATABASE)}`);
}

/** The PostgreSQL database of each data dir: a cloud started again on the same data dir finds its data again. */
const postgresOf = new Map<string, string>();

async function databaseFor(dataDir: string, overrides: Partial<CloudConfig>): Promise<Partial<CloudConfig>> {
  // a test that names its database (or SQLite, with SC_DATABASE_URL: undefined) keeps it
  if (TEST_DATABASE === 'sqlite' || 'SC_DATABASE_URL' in overrides) return {};
  let url = postgresOf.get(dataDir);
  if (!url) {
    url = await freshPostgresAddress();
    postgresOf.set(dataDir, url);
  }
  return { SC_DATABASE_URL: url };
}

/**
 * A real cloud (HTTP + embedded Aedes + its database) on random ports in a temporary data dir. The
 * database is a SQLite file in the data dir, or under SC_TEST_DATABASE=postgres a fresh PostgreSQL
 * database of the test file's own cluster (the same one again when restarted on the same data dir).
 */
export async function startTestCloud(overrides: Partial<CloudConfig> = {}, dataDir = mkdtempSync(join(tmpdir(), 'sc-cloud-'))): Promise<TestCloud> {
  const database = await databaseFor(dataDir, overrides);
  // SC_TEST_LOG=warn (or any pino level) shows the test cloud's own log: a 500 in a test names its cause there
  const logLevel = process.env.SC_TEST_LOG as CloudConfig['SC_LOG_LEVEL'] | undefined;
  // on PostgreSQL the secrets every process shares come from configuration (cluster/shared-secrets.ts); a test naming its own keeps them
  const onPostgres = Boolean(overrides.SC_DATABASE_URL ?? database.SC_DATABASE_URL);
  const shared = onPostgres ? sharedSecretsIn(dataDir) : {};
  const config = loadCloudConfig(
    {},
    { SC_DATA_DIR: dataDir, SC_HTTP_PORT: 0, SC_MQTT_PORT: 0, SC_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SC_LOG_LEVEL: logLevel ?? 'silent', ...shared, ...database, ...overrides },
  );
  const cloud = await startCloud(config, { logger: logLevel ? undefined : silentLogger() });
  const init = (method: string, body: unknown, token: string | null | undefined): RequestInit => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== null) headers.authorization = `Bearer ${token ?? adminToken}`;
    return { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  };
  // a kept-alive connection the server closes just as a request reuses it fails the fetch: a read is safe to send again
  const send = (method: string, path: string, body: unknown, token: string | null | undefined) => fetch(`${cloud.httpUrl}${path}`, init(method, body, token));
  const api: TestCloud['api'] = async (method, path, body, token) =>
    decode(await send(method, path, body, token).catch((err: unknown) => (method === 'GET' ? send(method, path, body, token) : Promise.reject(err))));
  const request: TestCloud['request'] = async (method, path, body, token) => decode(await cloud.app.request(path, init(method, body, token)));
  const login = async (username: string, password: string) => {
    const res = await api<{ token: string }>('POST', '/api/v1/auth/token', { username, password }, null);
    if (res.status !== 200) throw new Error(`login of ${username} failed: ${JSON.stringify(res.body)}`);
    return res.body.token;
  };
  let adminToken = '';
  adminToken = await login('admin', TEST_ADMIN_PASSWORD);
  return {
    cloud,
    dataDir,
    adminToken,
    api,
    request,
    login,
    async stop(options = {}) {
      await cloud.close();
      if (!options.keepData) {
        rmSync(dataDir, { recursive: true, force: true });
        postgresOf.delete(dataDir); // its database goes with the cluster at the end of the file
      }
    },
  };
}
