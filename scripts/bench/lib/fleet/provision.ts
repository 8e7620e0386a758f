import { HAMLETS, HOST, round, type Cred } from './common.js';
import type { RunContext } from './run-context.js';

/** Setup: N edges created, given a claim token and claimed over HTTP, as an installer would (not part of connect_s). */

async function pool<T>(items: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(items);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items) }, async () => {
    while (next < items) {
      const i = next++;
      results[i] = await task(i);
    }
  });
  await Promise.all(runners);
  return results;
}

export async function provisionEdges(ctx: RunContext, adminPassword: string): Promise<{ creds: Cred[]; mqttUrl: string }> {
  const { http, opts, result, log } = ctx;
  const N = opts.edges;
  const login = await http.request<{ token: string }>('POST', '/api/v1/auth/token', { username: 'admin', password: adminPassword });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
  http.token = login.body.token;
  const setupT0 = Date.now();
  let mqttUrl = '';
  let provisioned = 0;
  const progress = setInterval(() => {
    if (process.stdout.isTTY) process.stdout.write(`\r[setup] provisioning… ${provisioned}/${N}`);
  }, 1000);
  const creds = await pool(N, opts.provisionConcurrency, async (i): Promise<Cred> => {
    const name = `bench-edge-${String(i + 1).padStart(5, '0')}`;
    const created = await http.request<{ id: string }>('POST', '/api/v1/edges', { name, hamletCode: HAMLETS[i % HAMLETS.length] });
    if (created.status !== 201) throw new Error(`POST /api/v1/edges answered ${created.status}: ${JSON.stringify(created.body)}`);
    const token = await http.request<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
    if (token.status !== 201) throw new Error(`claim token: ${token.status} ${JSON.stringify(token.body)}`);
    const claim = await fetch(`${http.base}/api/v1/provision/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token.body.token, hostname: `sc-${name}` }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await claim.json()) as { edgeId: string; mqtt: { url: string; username: string; password: string } };
    if (claim.status !== 200) throw new Error(`claim: ${claim.status} ${JSON.stringify(body)}`);
    mqttUrl = body.mqtt.url;
    provisioned++;
    return { edgeId: body.edgeId, username: body.mqtt.username, password: body.mqtt.password };
  });
  clearInterval(progress);
  const setupS = (Date.now() - setupT0) / 1000;
  const mqttHost = new URL(mqttUrl).hostname;
  if (mqttHost !== HOST) throw new Error(`the claim handed out ${mqttUrl}; this benchmark talks to ${HOST} only`);
  result.setup_s = round(setupS);
  if (process.stdout.isTTY) process.stdout.write('\r');
  log(`[setup] provisioned ${N} edges (create + claim token + claim) in ${setupS.toFixed(1)} s, ${(N / setupS).toFixed(0)} edges/s with ${opts.provisionConcurrency} in flight — not part of connect_s`);
  return { creds, mqttUrl };
}
