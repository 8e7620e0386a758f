import { connect as mqttConnectClient } from 'mqtt';
import { connect } from 'node:net';
import { topics } from '../../../../shared/src/index.js';
import { sleep } from '../fleet/common.js';
import { httpFrom, jsonPost } from './watch.js';
import { httpHead, mqttConnectHeader, mqttPublishHead, mqttSession, openFor, streamTo } from './wire.js';

/**
 * The hostile inputs of issue 9, each a bounded burst: how many probes it sent and what the cloud
 * did with them. None of them needs the attack to fail to finish: the figures say what happened.
 */

export interface Target {
  host: string;
  httpPort: number;
  mqttPort: number;
  base: string;
  adminToken: string;
  servicePassword: string;
  /** A claimed box that misbehaves (the legitimate one is watched elsewhere). */
  hostile: { edgeId: string; username: string; password: string };
}

export interface ProbeResult {
  probes: number;
  facts: Record<string, number | boolean | string | null>;
}

const MiB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

/** 96 MiB bodies before login, declared and chunked, to the token API, the login form and the report form. */
export async function bigBodies(t: Target): Promise<ProbeResult> {
  const jobs: { path: string; type: string; chunked?: boolean }[] = [
    ...Array.from({ length: 3 }, () => ({ path: '/api/v1/auth/token', type: 'application/json' })),
    { path: '/api/v1/auth/token', type: 'application/json', chunked: true },
    ...Array.from({ length: 3 }, () => ({ path: '/login', type: 'application/x-www-form-urlencoded' })),
    { path: '/api/v1/reports', type: 'multipart/form-data; boundary=x' },
  ];
  const outcomes = await Promise.all(
    jobs.map((j) =>
      streamTo({ host: t.host, port: t.httpPort, head: httpHead('POST', j.path, `${t.host}:${t.httpPort}`, j.type, j.chunked ? null : 96 * MiB), maxBodyBytes: 24 * MiB, timeoutMs: 20_000, chunked: j.chunked }),
    ),
  );
  const statuses = outcomes.map((o) => o.firstLine?.split(' ')[1] ?? (o.closedByPeer ? 'closed' : 'none'));
  return {
    probes: jobs.length,
    facts: {
      big_body_max_sent_mb: mb(Math.max(...outcomes.map((o) => o.bytesSent))),
      big_body_answers: [...new Set(statuses)].join(','),
      big_body_max_answer_ms: Math.round(Math.max(...outcomes.map((o) => o.ms))),
    },
  };
}

/** CONNECT packets declaring 250 MiB, then streaming, from clients that never logged in. */
export async function mqttHugeConnect(t: Target): Promise<ProbeResult> {
  const outcomes = await Promise.all(
    Array.from({ length: 4 }, () => streamTo({ host: t.host, port: t.mqttPort, head: mqttConnectHeader(250 * MiB), maxBodyBytes: 24 * MiB, timeoutMs: 40_000 })),
  );
  return {
    probes: outcomes.length,
    facts: {
      mqtt_connect_max_sent_mb: mb(Math.max(...outcomes.map((o) => o.bytesSent))),
      mqtt_connect_max_open_ms: Math.round(Math.max(...outcomes.map((o) => o.ms))),
    },
  };
}

/** Sockets from one address that connect and say nothing: how long the broker keeps them. */
export async function mqttIdleSockets(t: Target, count = 40): Promise<ProbeResult> {
  const sockets = Array.from({ length: count }, () => connect({ host: t.host, port: t.mqttPort, localAddress: '127.0.0.4' }).on('error', () => {}));
  const open = await Promise.all(sockets.map((s) => openFor(s, 10_000)));
  for (const s of sockets) s.destroy();
  return {
    probes: count,
    facts: {
      idle_sockets_closed_within_10s: open.filter((ms) => ms < 10_000).length,
      idle_socket_median_open_ms: Math.round(open.sort((a, b) => a - b)[Math.floor(open.length / 2)]!),
    },
  };
}

/** A logged-in box streams a 20 MiB publish: how much the broker reads before it hangs up. */
export async function mqttHugePublish(t: Target): Promise<ProbeResult> {
  const { edgeId, username, password } = t.hostile;
  let sent = 0;
  let closed = false;
  try {
    const socket = await mqttSession(t.host, t.mqttPort, edgeId, username, password);
    socket.on('error', () => {});
    const outcome = await new Promise<{ sent: number; closed: boolean }>((resolve) => {
      const chunk = Buffer.alloc(64 * 1024, 0x7b);
      let done = false;
      const finish = (byPeer: boolean) => {
        if (done) return;
        done = true;
        socket.destroy();
        resolve({ sent, closed: byPeer });
      };
      socket.once('close', () => finish(true));
      setTimeout(() => finish(false), 20_000);
      socket.write(mqttPublishHead(topics.telemetry(edgeId), 20 * MiB));
      const pump = () => {
        while (!done && sent < 20 * MiB) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    closed = outcome.closed;
  } catch {
    closed = true;
  }
  return { probes: 1, facts: { mqtt_publish_sent_mb_before_close: mb(sent), mqtt_publish_closed: closed } };
}

/** Retained 200 KiB messages on the box's own topics, in and outside the contract, then what a new subscriber is given. */
export async function retainedFill(t: Target, count = 35): Promise<ProbeResult> {
  const { edgeId, username, password } = t.hostile;
  const box = mqttConnectClient(`mqtt://${t.host}:${t.mqttPort}`, { clientId: edgeId, username, password, reconnectPeriod: 0, connectTimeout: 5000 });
  box.on('error', () => {});
  await new Promise<void>((resolve) => {
    box.once('connect', () => resolve());
    box.once('close', () => resolve());
  });
  const blob = Buffer.alloc(200 * 1024, 0x20);
  const fills = [`events/audit/x/y`, 'events/fill', 'reported/fill', 'telemetry'];
  for (let i = 0; i < count && box.connected; i++) {
    const sub = fills[i % fills.length]!;
    box.publish(`${topics.edgeRoot(edgeId)}/${sub}${i >= fills.length ? `-${i}` : ''}`, blob, { qos: 0, retain: true });
    await sleep(60); // under the broker's rate limit: this is about storage, not rate
  }
  box.end(true);
  await sleep(500);
  const reader = mqttConnectClient(`mqtt://${t.host}:${t.mqttPort}`, { clientId: `abuse-reader-${Date.now()}`, username: 'sc-cloud', password: t.servicePassword, reconnectPeriod: 0 });
  let retained = 0;
  let retainedBytes = 0;
  reader.on('message', (_topic, payload, packet) => {
    if (packet.retain && payload.length >= 100 * 1024) {
      retained++;
      retainedBytes += payload.length;
    }
  });
  reader.on('error', () => {});
  await new Promise<void>((resolve) => reader.once('connect', () => reader.subscribe(topics.edgeSubtree(edgeId), () => resolve())));
  await sleep(1500);
  reader.end(true);
  return { probes: count, facts: { retained_fills_stored: retained, retained_fill_mb: mb(retainedBytes) } };
}

/** Wrong passwords for real accounts from ten loopback addresses, then a fast flood from one more. */
export async function loginGuessing(t: Target, accounts: string[]): Promise<ProbeResult> {
  let probes = 0;
  const addresses = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 2}`);
  await Promise.all(
    addresses.map(async (localAddress) => {
      for (let i = 0; i < 8; i++) {
        for (const username of accounts) {
          probes++;
          await jsonPost(t.base, '/api/v1/auth/token', { username, password: `wrong-${i}-${localAddress}` }, { localAddress }).catch(() => null);
        }
      }
    }),
  );
  const flood = await Promise.all(
    Array.from({ length: 300 }, (_, i) => jsonPost(t.base, '/api/v1/auth/token', { username: accounts[i % accounts.length], password: 'guess' }, { localAddress: '127.0.0.12' }).catch(() => null)),
  );
  probes += flood.length;
  return { probes, facts: { flood_refused_429: flood.filter((r) => r?.status === 429).length } };
}

/** CAP nested 30,000 levels deep, and a login `next` with CRLF and with a tab that points off-site. */
export async function malformedInputs(t: Target): Promise<ProbeResult> {
  const deep = `<?xml version="1.0"?>${'<a>'.repeat(30_000)}${'</a>'.repeat(30_000)}`;
  const answers = await Promise.all([
    ...Array.from({ length: 3 }, () =>
      httpFrom({ base: t.base, method: 'POST', path: '/api/v1/alerts', headers: { 'content-type': 'application/cap+xml', authorization: `Bearer ${t.adminToken}` }, body: deep }),
    ),
    httpFrom({ base: t.base, method: 'GET', path: '/login?next=/%0d%0aSet-Cookie:%20x=1' }),
  ]);
  // a signed-in person following a crafted link: the console redirects at once to `next`
  const tab = await httpFrom({ base: t.base, method: 'GET', path: '/login?next=/%09/evil.example/phish', headers: { cookie: `sc_session=${t.adminToken}` } });
  const feed = await httpFrom({ base: t.base, method: 'GET', path: '/thong-bao/atom.xml', headers: { host: 'evil.example' } });
  const location = String(tab.headers.location ?? '');
  const resolved = location ? new URL(location, `http://${t.host}:${t.httpPort}/login`) : null;
  return {
    probes: answers.length + 2,
    facts: {
      malformed_5xx: answers.filter((a) => a.status >= 500).length,
      malformed_answers: [...new Set(answers.map((a) => a.status))].join(','),
      redirect_offsite: resolved !== null && (resolved.host !== `${t.host}:${t.httpPort}` || /[\t\r\n]/.test(location)),
      host_reflected: feed.body.includes('evil.example'),
    },
  };
}

/** Six malformed reports from one address, then a real one from the same address. */
export async function reportsAfterMalformed(t: Target): Promise<ProbeResult> {
  const localAddress = '127.0.0.13';
  for (let i = 0; i < 6; i++) await jsonPost(t.base, '/api/v1/reports', { category: 'nope', description: '' }, { localAddress }).catch(() => null);
  const real = await jsonPost(t.base, '/api/v1/reports', { category: 'trom-cap', description: 'Mất trộm xe đạp trước nhà văn hoá ấp', hamlet: 'ap-1' }, { localAddress });
  return { probes: 7, facts: { report_after_malformed_ok: real.status === 201 } };
}
