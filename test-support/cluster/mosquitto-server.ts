/**
 * A Mosquitto 2 (Debian's /usr/sbin/mosquitto) for the cluster harness: 127.0.0.1, a fixed free port
 * (kept across restarts, so clients reconnect to the same address), persistence in the harness's
 * directory saved every second (retained messages survive a restart; a SIGKILL loses at most the
 * last second, which the cloud's republishing of desired documents covers).
 *
 * Anonymous clients are allowed: this is the stand-in until the dynamic-security harness
 * (cloud/src/broker/testing/mosquitto.ts, h-dynsec) lands, after which boxes authenticate with their
 * own credentials. Isolation is proven there, not here: this harness measures failover.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listening, ManagedProcess, until } from './process.js';

export const MOSQUITTO_BIN = process.env.SC_MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

export function mosquittoConfig(port: number, dir: string): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    // as root (containers) Mosquitto would switch to the mosquitto account, which cannot write the temp dir
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'persistence true',
    `persistence_location ${dir}/`,
    'autosave_interval 1',
    // 500+ boxes' QoS 1 backlog while a cloud reconnects must not be dropped
    'max_queued_messages 100000',
    'max_inflight_messages 100',
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'log_type notice',
    '',
  ].join('\n');
}

export function mosquittoProcess(dir: string, port: number): ManagedProcess {
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, mosquittoConfig(port, dir));
  return new ManagedProcess({
    name: 'mosquitto',
    command: MOSQUITTO_BIN,
    args: ['-c', config],
    logFile: join(dir, 'mosquitto.log'),
    ready: () => until(`Mosquitto on port ${port}`, () => listening(port), 10_000, 50),
  });
}
