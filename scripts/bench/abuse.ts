/**
 * Abuse benchmark (issue 9): against a cloud of its own on 127.0.0.1 it sends bounded bursts of the
 * hostile inputs an outside audit used — 96 MiB bodies before login, oversized MQTT packets before
 * and after CONNECT, idle sockets, retained fills, password guessing from several loopback
 * addresses, malformed CAP and login redirects, malformed reports — while a real admin logs in every
 * 2 s and a real box sends telemetry. Reports the cloud's peak RSS growth over its own baseline,
 * whether /healthz answered throughout, and whether the legitimate user and box kept working.
 * Ends with `RESULT {"probes":..,"rss_growth_mb":..,"healthy":..,"legit_login_ok":..,"legit_box_ok":..}`.
 *   scripts/bench/abuse
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtCloudCli, removeCloudData, startCloudProcess, tailOf } from './lib/fleet/cloud-process.js';
import { HOST, median, sleep } from './lib/fleet/common.js';
import { LegitimateUse } from './lib/abuse/legit.js';
import * as probe from './lib/abuse/probes.js';
import { CloudWatch, httpFrom, jsonPost } from './lib/abuse/watch.js';

const log = (line: string) => console.log(line);

async function claimBox(base: string, token: string, name: string) {
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await httpFrom({ base, method: 'POST', path: '/api/v1/edges', headers: auth, body: JSON.stringify({ name, hamletCode: 'ap-1' }) });
  const { id } = JSON.parse(created.body) as { id: string };
  const claimToken = await httpFrom({ base, method: 'POST', path: `/api/v1/edges/${id}/claim-tokens`, headers: auth });
  const claim = await jsonPost(base, '/api/v1/provision/claim', { token: (JSON.parse(claimToken.body) as { token: string }).token, hostname: `sc-${name}` });
  if (claim.status !== 200) throw new Error(`claiming ${name}: ${claim.status} ${claim.body}`);
  const body = JSON.parse(claim.body) as { edgeId: string; mqtt: { username: string; password: string } };
  return { edgeId: body.edgeId, username: body.mqtt.username, password: body.mqtt.password };
}

async function main(): Promise<void> {
  const cloud = await startCloudProcess(builtCloudCli());
  const base = `http://${HOST}:${cloud.httpPort}`;
  try {
    let adminToken = '';
    for (let i = 0; i < 100 && !adminToken; i++) {
      const r = await jsonPost(base, '/api/v1/auth/token', { username: 'admin', password: cloud.adminPassword }).catch(() => null);
      if (r?.status === 200) adminToken = (JSON.parse(r.body) as { token: string }).token;
      else await sleep(200);
    }
    if (!adminToken) throw new Error(`the cloud did not start: ${cloud.exit() ?? ''}\n${tailOf(cloud.logPath, 20)}`);
    const operator = { username: 'phat-thanh', password: `Loa-${Date.now().toString(36)}-Vi-Tan` };
    await jsonPost(base, '/api/v1/users', { ...operator, role: 'operator' }, { token: adminToken });
    const legitBox = await claimBox(base, adminToken, 'abuse-legit');
    const hostile = await claimBox(base, adminToken, 'abuse-hostile');
    const target: probe.Target = {
      host: HOST,
      httpPort: cloud.httpPort,
      mqttPort: cloud.mqttPort,
      base,
      adminToken,
      servicePassword: readFileSync(join(cloud.dataDir, 'service-password.txt'), 'utf8').trim(),
      hostile,
    };

    const watch = new CloudWatch(cloud.child.pid!, base);
    const legit = new LegitimateUse(base, `mqtt://${HOST}:${cloud.mqttPort}`, { username: 'admin', password: cloud.adminPassword }, legitBox);
    watch.start();
    await legit.start();
    // the baseline is the cloud after ordinary work (staff logging in together, pages of lists),
    // so the growth measured is what the hostile inputs add, not a first morning's warm-up
    await warmUp(base, { username: 'admin', password: cloud.adminPassword }, adminToken);
    await sleep(3000);
    const baselineStart = Date.now() - 3000;
    const attackStart = Date.now();
    const baselineMb = median(watch.rssBetween(baselineStart, attackStart)) ?? NaN;
    log(`cloud pid ${cloud.child.pid}, RSS baseline ${baselineMb.toFixed(1)} MB; attacking…`);

    const steps: [string, () => Promise<probe.ProbeResult>][] = [
      ['big bodies before login', () => probe.bigBodies(target)],
      ['MQTT: huge CONNECTs and idle sockets', async () => merge(await Promise.all([probe.mqttHugeConnect(target), probe.mqttIdleSockets(target)]))],
      ['MQTT: 20 MiB publish from a box', () => probe.mqttHugePublish(target)],
      ['MQTT: retained fills', () => probe.retainedFill(target)],
      ['login guessing', () => probe.loginGuessing(target, ['admin', operator.username])],
      ['malformed CAP and redirects', () => probe.malformedInputs(target)],
      ['reports after malformed ones', () => probe.reportsAfterMalformed(target)],
    ];
    let probes = 0;
    const facts: probe.ProbeResult['facts'] = {};
    for (const [name, run] of steps) {
      const t0 = Date.now();
      const r = await run();
      probes += r.probes;
      Object.assign(facts, r.facts);
      await sleep(300); // one more RSS sample after the step
      const peak = Math.max(...watch.rssBetween(t0, Date.now()));
      log(`  ${name}: ${r.probes} probes in ${((Date.now() - t0) / 1000).toFixed(1)} s, peak RSS ${peak.toFixed(1)} MB — ${JSON.stringify(r.facts)}`);
    }
    await sleep(4000); // the legitimate box's telemetry after the last attack
    const attackEnd = Date.now();
    const afterLogin = await legit.tryLogin();
    const operatorLogin = await jsonPost(base, '/api/v1/auth/token', operator, { localAddress: '127.0.0.1' });
    const edge = JSON.parse((await httpFrom({ base, method: 'GET', path: `/api/v1/edges/${legitBox.edgeId}`, headers: { authorization: `Bearer ${adminToken}` } })).body) as {
      online: boolean;
      telemetryAt: number | null;
    };
    const box = { ...legit.box };
    watch.stop();
    await legit.stop();

    const peakMb = Math.max(...watch.rssBetween(attackStart, attackEnd));
    const rssGrowth = Math.round((peakMb - baselineMb) * 10) / 10;
    const healthy = watch.health.failures === 0 && cloud.exit() === null;
    const legitLoginOk = legit.login.failures === 0 && afterLogin && operatorLogin.status === 200;
    // the last telemetry may still be in flight when counted
    const legitBoxOk = box.disconnects === 0 && box.sent - box.acked <= 1 && edge.online && (edge.telemetryAt ?? 0) > attackEnd - 5000;
    log(`RSS ${baselineMb.toFixed(1)} → peak ${peakMb.toFixed(1)} MB (growth ${rssGrowth} MB, target ≤ 50)`);
    log(`/healthz: ${watch.health.polls} polls, ${watch.health.failures} failed${watch.health.firstFailure ? ` (first: ${watch.health.firstFailure})` : ''}, slowest ${watch.health.slowestMs.toFixed(0)} ms`);
    log(`legitimate admin: ${legit.login.tries} logins, ${legit.login.failures} refused${legit.login.firstFailure ? ` (first: ${legit.login.firstFailure})` : ''}; operator after the guessing: ${operatorLogin.status}`);
    log(`legitimate box: ${box.acked}/${box.sent} telemetry acknowledged, ${box.disconnects} disconnects, online ${edge.online}, telemetry ${edge.telemetryAt ? `${((attackEnd - edge.telemetryAt) / 1000).toFixed(1)} s before the end` : 'never'}`);
    const ok = rssGrowth <= 50 && healthy && legitLoginOk && legitBoxOk;
    console.log(`RESULT ${JSON.stringify({ probes, rss_growth_mb: rssGrowth, healthy, legit_login_ok: legitLoginOk, legit_box_ok: legitBoxOk, ...facts, ok })}`);
    if (!ok) process.exitCode = 1;
  } finally {
    await cloud.stop();
    if (!process.exitCode) removeCloudData(cloud);
    else log(`cloud data and log kept in ${cloud.dataDir}`);
  }
}

async function warmUp(base: string, admin: { username: string; password: string }, token: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    await Promise.all(Array.from({ length: 4 }, () => jsonPost(base, '/api/v1/auth/token', admin)));
    for (const path of ['/api/v1/edges', '/api/v1/users', '/api/v1/audit?limit=200', '/api/v1/incidents', '/api/v1/reports', '/thong-bao/atom.xml', '/metrics']) {
      await httpFrom({ base, method: 'GET', path, headers: { authorization: `Bearer ${token}` } });
    }
  }
}

function merge(results: probe.ProbeResult[]): probe.ProbeResult {
  return { probes: results.reduce((n, r) => n + r.probes, 0), facts: Object.assign({}, ...results.map((r) => r.facts)) as probe.ProbeResult['facts'] };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  console.log(`RESULT ${JSON.stringify({ error: err instanceof Error ? err.message : String(err), ok: false })}`);
  process.exit(1);
});
