/**
 * The failover scenario's checks (scripts/bench/lib/failover/run.ts runs the scenario, these measure
 * it once traffic has stopped): each adds its named checks and figures to `out`, and returns what the
 * RESULT line quotes.
 */
import { connect } from 'mqtt';
import type pg from 'pg';
import type { Timeline } from './run.js';
import { failed, longestGap, type HttpRecord } from './http-client.js';
import type { RealBox } from './real-box.js';
import type { FailoverBox } from './sim-box.js';

export interface Check {
  name: string;
  /** null: not measurable in this run. */
  ok: boolean | null;
  detail: string;
}

export interface Findings {
  checks: Check[];
  figures: Record<string, unknown>;
}

/** When things happened in the run (ms), for the checks that look at a window of it. */
export interface RunTimes {
  t: Timeline;
  /** Start of traffic. */
  t0: number;
  trafficEnd: number;
  /** Seconds until every box was back after the broker restart (null: not within 60 s, or no broker kill). */
  brokerBackS: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every numbered event sent is stored, none twice (waits up to 20 s for the last resends). */
export async function checkEvents(sql: pg.Client, boxes: FailoverBox[], edgeIds: string[], out: Findings): Promise<{ lost: number; duplicated: number }> {
  const sent = boxes.reduce((n, b) => n + b.sent, 0);
  let stored = 0;
  let rows = 0;
  const settleUntil = Date.now() + 20_000;
  for (;;) {
    const r = (await sql.query("SELECT count(*) AS rows, count(DISTINCT (edge_id, body)) AS distinct_events FROM edge_events WHERE kind = 'lifecycle' AND event_id LIKE 'evt-%' AND edge_id = ANY($1)", [edgeIds])).rows[0];
    rows = Number(r.rows);
    stored = Number(r.distinct_events);
    if (stored >= sent || Date.now() > settleUntil) break;
    await sleep(500);
  }
  const lost = sent - stored;
  out.figures.events_resent = boxes.reduce((n, b) => n + b.resent, 0);
  const duplicated = rows - stored;
  out.figures.events_sent = sent;
  out.figures.events_stored = stored;
  out.checks.push({ name: 'events stored equal events sent', ok: lost === 0, detail: `${sent} sent, ${stored} stored (${lost} lost)` });
  out.checks.push({ name: 'no event stored twice', ok: duplicated === 0, detail: `${duplicated} stored more than once` });
  return { lost, duplicated };
}

/** HTTP through HAProxy: errors ≤ 1 % (a command to a box while the broker is down excepted), longest gap ≤ 3 s. */
export function checkHttp(records: HttpRecord[], commands: { at: number; status: number }[], times: RunTimes, out: Findings): { errorPct: number | null; gap: { ms: number; at: number } } {
  const { t, t0, trafficEnd, brokerBackS } = times;
  const at = (s: number) => t0 + s * 1000;
  const all = records.filter((r) => r.at >= t0 && r.at <= trafficEnd);
  const brokerDown = (r: { at: number; what: string }) =>
    t.killBrokerAt !== undefined && r.what.endsWith('/ping') && r.at >= at(t.killBrokerAt) && r.at <= at(t.restartBrokerAt!) + (brokerBackS ?? 60) * 1000 + 3000;
  // a command to a box while the broker is down cannot reach it: that 5xx is the broker's outage, not the cluster's HTTP
  const counted = all.filter((r) => !brokerDown(r));
  const errors = counted.filter(failed);
  const errorPct = counted.length ? (100 * errors.length) / counted.length : null;
  const reads = all.filter((r) => r.what === 'GET /edges/:id');
  // up to the planned end: the last requests in flight (an alert's speech) may finish later
  const gap = longestGap(reads, t0, Math.min(trafficEnd, at(t.endAt)));
  const byKind: Record<string, string> = {};
  for (const r of errors) byKind[`${r.what} ${r.status}`] = String(Number(byKind[`${r.what} ${r.status}`] ?? 0) + 1);
  out.figures.http_requests = counted.length;
  out.figures.http_errors = byKind;
  out.checks.push({ name: 'HTTP errors through HAProxy ≤ 1 %', ok: errorPct !== null && errorPct <= 1, detail: `${errors.length} of ${counted.length} (${errorPct?.toFixed(2)} %) ${JSON.stringify(byKind)}` });
  out.checks.push({ name: 'longest gap without a successful HTTP answer ≤ 3 s', ok: gap.ms <= 3000, detail: `${gap.ms} ms from ${((gap.at - t0) / 1000).toFixed(1)} s` });
  const okCommands = commands.filter((x) => x.status === 200).length;
  out.figures.commands = { sent: commands.length, answered: okCommands, failed_while_broker_down: all.filter((r) => brokerDown(r) && failed(r)).length };
  return { errorPct, gap };
}

/** No box marked offline because a cloud died (between the cloud's kill and the broker's), and every box back after the broker's restart. */
export function checkPresence(offlineSeen: { at: number; edgeId: string; reason: string | null }[], times: RunTimes & { brokerNotBack: string }, out: Findings): void {
  const { t, t0, trafficEnd, brokerBackS, brokerNotBack } = times;
  const at = (s: number) => t0 + s * 1000;
  const windowEnd = t.killBrokerAt !== undefined ? at(t.killBrokerAt) : trafficEnd;
  const offlineByCloud = new Map<string, string | null>();
  for (const o of offlineSeen) if (o.at >= at(t.killCloudAt) && o.at < windowEnd) offlineByCloud.set(o.edgeId, o.reason);
  out.checks.push({
    name: 'no box marked offline because a cloud process died',
    ok: offlineByCloud.size === 0,
    detail: `${offlineByCloud.size} boxes seen offline while a cloud was dead or restarting${offlineByCloud.size ? ` (e.g. "${[...offlineByCloud.values()][0]}")` : ''}`,
  });
  if (t.killBrokerAt !== undefined) out.checks.push({ name: 'every box back online after the broker restart', ok: brokerBackS !== null, detail: brokerBackS === null ? `not within 60 s: ${brokerNotBack}` : `${brokerBackS.toFixed(1)} s` });
}

/** The broker's retained desired versions equal the database's; the real boxes' applied versions only went up. */
export async function checkDesired(
  sql: pg.Client,
  mqttUrl: string,
  boxes: FailoverBox[],
  edgeIds: string[],
  applied: { real: number; watched: number; wentBack: string[] },
  out: Findings,
): Promise<void> {
  const retained = await readRetainedDesired(mqttUrl);
  const docs = (await sql.query('SELECT edge_id, doc, version FROM documents WHERE edge_id = ANY($1)', [edgeIds])).rows as { edge_id: string; doc: string; version: number }[];
  const mismatched = docs.filter((d) => retained.get(`${d.edge_id}/${d.doc}`) !== Number(d.version));
  out.checks.push({
    name: "each box's retained desired version equals the database's",
    ok: docs.length > 0 && mismatched.length === 0,
    detail: `${docs.length - mismatched.length}/${docs.length} documents match${mismatched.length ? ` (e.g. ${mismatched[0]!.edge_id}/${mismatched[0]!.doc}: database ${mismatched[0]!.version}, broker ${retained.get(`${mismatched[0]!.edge_id}/${mismatched[0]!.doc}`) ?? 'none'})` : ''}`,
  });
  // a broker restored from a save older than the last publish hands out older retained documents until the
  // cloud's reconcile republishes: boxes (real and simulated) apply only higher versions, so this is a figure, not a check
  const stale = boxes.flatMap((b) => b.staleDesired.map((w) => `${b.cred.edgeId} ${w}`));
  out.figures.stale_desired_delivered = stale.length ? `${stale.length}, e.g. ${stale[0]}` : 0;
  if (applied.real > 0) {
    out.checks.push({ name: "the real boxes' applied versions only go up", ok: applied.wentBack.length === 0 && applied.watched > 0, detail: applied.wentBack.length ? `${applied.wentBack.length} went back, e.g. ${applied.wentBack[0]}` : `${applied.watched} documents watched, none went back` });
  }
}

/** Exactly one proof of play per alert and hamlet (the real boxes play them). */
export async function checkAlerts(sql: pg.Client, alertIds: string[], realBoxes: RealBox[], realHamlets: string[], out: Findings): Promise<void> {
  out.figures.alerts = alertIds.length;
  if (realBoxes.length === 0) {
    out.checks.push({ name: 'every alert has exactly one proof-of-play row per hamlet', ok: null, detail: `${alertIds.length} alerts posted to simulated boxes only (no real box in this run)` });
  } else {
    // an alert of ~5 s of speech: its final state arrives within half a minute of the last alert
    type Row = { alert: string; hamlet: string; states: string };
    const final = new Set(['completed', 'failed', 'missed']);
    const read = async () => (await sql.query("SELECT schedule_id AS alert, hamlet_code AS hamlet, string_agg(state, ',' ORDER BY received_at) AS states FROM playback WHERE schedule_id = ANY($1) GROUP BY 1, 2", [alertIds])).rows as Row[];
    let rowsNow: Row[] = [];
    const until = Date.now() + 45_000;
    for (;;) {
      rowsNow = await read();
      const done = alertIds.every((a) => realHamlets.every((h) => rowsNow.find((r) => r.alert === a && r.hamlet === h)?.states.split(',').some((st) => final.has(st))));
      if (done || Date.now() > until) break;
      await sleep(1000);
    }
    const problems: string[] = [];
    for (const a of alertIds) {
      for (const h of realHamlets) {
        const states = rowsNow.find((r) => r.alert === a && r.hamlet === h)?.states.split(',') ?? [];
        const finals = states.filter((st) => final.has(st)).length;
        const starts = states.filter((st) => st === 'started').length;
        if (finals !== 1 || starts > 1) problems.push(`${a} in ${h}: ${states.join(',') || 'no proof of play'}`);
      }
    }
    const played = rowsNow.filter((r) => r.states.includes('completed')).length;
    out.figures.alerts_completed = `${played}/${alertIds.length * realHamlets.length}`;
    out.checks.push({
      name: 'every alert has exactly one proof-of-play row per hamlet',
      ok: alertIds.length > 0 && problems.length === 0,
      detail: `${alertIds.length} alerts × ${realHamlets.length} hamlets, ${played} completed${problems.length ? `; ${problems.length} wrong, e.g. ${problems[0]}` : ''}`,
    });
    const heard = realBoxes.map((b) => b.speaker.status().items.filter((i) => i.firstSampleAt !== null).length);
    out.figures.alerts_heard_per_real_box = heard;
  }
}

/** The retained desired documents on the broker now, as `edgeId/doc` → version (a fresh subscriber with the cloud's account reads them). */
async function readRetainedDesired(mqttUrl: string): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  const client = connect(mqttUrl, { protocolVersion: 4, clientId: `failover-check-${process.pid}`, clean: true, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  let last = Date.now();
  client.on('message', (topic, payload, packet) => {
    last = Date.now();
    if (!packet.retain || payload.length === 0) return;
    const parts = topic.split('/');
    const version = (JSON.parse(payload.toString()) as { version?: number }).version;
    if (typeof version === 'number') versions.set(`${parts[parts.length - 3]}/${parts[parts.length - 1]}`, version);
  });
  await client.subscribeAsync('sc/v1/edges/+/desired/+', { qos: 1 });
  // retained messages arrive at once after the subscription: done when a second passes without one
  while (Date.now() - last < 1000) await sleep(200);
  await client.endAsync();
  return versions;
}
