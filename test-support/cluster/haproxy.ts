/**
 * HAProxy 2.6 (Debian's) in front of the cloud processes: one HTTP frontend on 127.0.0.1, round robin
 * over the clouds, each health-checked on GET /healthz every 500 ms (down after 2 failures, up after
 * 2 successes: a killed process, whose port refuses at once, leaves the rotation within about a
 * second; a slow answer counts as a failure only after 2 s). A request that cannot
 * connect to its server is retried and redispatched to another (retries + option redispatch), and a
 * read (GET/HEAD) the dead server reset unanswered is sent again; so a SIGKILL costs only the writes
 * that were in flight on the dead process (repeating one might carry it out twice). X-Forwarded-For carries
 * the client's address to the clouds (which trust it only from SC_TRUSTED_PROXIES); with the option
 * sendProxyV2, a PROXY v2 header does too (the clouds then need SC_PROXY_PROTOCOL=1).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listening, ManagedProcess, until } from './process.js';

export const HAPROXY_BIN = process.env.SC_HAPROXY_BIN ?? '/usr/sbin/haproxy';

export interface HaproxyBackend {
  name: string;
  port: number;
}

/** How HAProxy tells the clouds the client: X-Forwarded-For only (the default), or also a PROXY v2 header on every connection, checks included. */
export interface HaproxyOptions {
  /** `send-proxy-v2 check-send-proxy` on each server: the clouds then need SC_PROXY_PROTOCOL=1. */
  sendProxyV2?: boolean;
}

export function haproxyConfig(port: number, backends: HaproxyBackend[], statsPort: number, options: HaproxyOptions = {}): string {
  const proxyHeader = options.sendProxyV2 ? ' send-proxy-v2 check-send-proxy' : '';
  return [
    'global',
    // HAProxy needs two descriptors a connection: 8,000 stays under a common 20,000 file limit
    '  maxconn 8000',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    // uploads and slow replies (a command waits up to SC_COMMAND_TIMEOUT_MS for its box)
    '  timeout http-request 30s',
    '  retries 3',
    '  option redispatch 1',
    // a request the dead server reset before answering is sent again only when it is a read (GET/HEAD):
    // a POST it may have carried out is not repeated (disable-l7-retry below); connection failures always.
    // 503: a live session's audio or voice socket asked of a process that does not hold it (held_elsewhere)
    // goes to another one (redispatch), so boxes and the operator's page reach the owner without a round trip
    '  retry-on conn-failure empty-response 503',
    '  option forwardfor',
    '  option http-server-close',
    '',
    'frontend clouds_http',
    `  bind 127.0.0.1:${port}`,
    '  default_backend clouds',
    '',
    'backend clouds',
    '  balance roundrobin',
    '  http-request disable-l7-retry if !METH_GET',
    '  option httpchk GET /healthz',
    '  http-check expect status 200',
    // a check may take 2 s (a busy process on a loaded machine answers /healthz late: without
    // `timeout check` the whole check must fit in `inter`, and 500 ms took both clouds out together)
    '  timeout check 2s',
    '  default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2 maxconn 1000',
    ...backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check${proxyHeader}`),
    '',
    // the harness reads each server's state here (show stat as CSV)
    'frontend stats',
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
}

export function haproxyProcess(dir: string, port: number, statsPort: number, backends: HaproxyBackend[], options: HaproxyOptions = {}): ManagedProcess {
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(port, backends, statsPort, options));
  return new ManagedProcess({
    name: 'haproxy',
    command: HAPROXY_BIN,
    // -db: foreground, no daemon (the harness owns the process); -W would fork a master
    args: ['-db', '-f', config],
    logFile: join(dir, 'haproxy.log'),
    ready: () => until(`HAProxy on port ${port}`, () => listening(port), 10_000, 50),
  });
}

/** Each server's state as HAProxy sees it (UP, DOWN, …), from its stats page. */
export async function haproxyServerStates(statsPort: number): Promise<Record<string, string>> {
  const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
  const states: Record<string, string> = {};
  for (const line of csv.split('\n')) {
    const cols = line.split(',');
    if (cols[0] === 'clouds' && cols[1] && cols[1] !== 'BACKEND' && cols[1] !== 'FRONTEND') states[cols[1]] = cols[17] ?? '';
  }
  return states;
}
