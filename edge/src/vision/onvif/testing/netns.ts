import { run, type RunResult } from '../../../../../firmware-sim/src/cameras/testing/camera-test-kit.js';

/**
 * Runs an ES module script (TypeScript through tsx) in a private network namespace whose loopback
 * carries multicast, as firmware-sim's netns test does: WS-Discovery probes there reach only the
 * cameras the script starts, and nothing leaves the machine. `-r` maps us to root in a user
 * namespace, so no privileges are needed. The script prints `RESULT <json>`; this returns the JSON.
 */
export async function runInMulticastNetns<T>(script: string, options: { cwd: string; timeoutMs?: number }): Promise<{ result: T | undefined; run: RunResult }> {
  const setup = 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo';
  const r = await run('unshare', ['-r', '-n', 'sh', '-c', `${setup} && exec "$0" --import tsx --input-type=module -e "$SC_NETNS_SCRIPT"`, process.execPath], {
    env: { ...process.env, SC_NETNS_SCRIPT: script },
    timeoutMs: options.timeoutMs ?? 100_000,
    cwd: options.cwd,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return { result: line ? (JSON.parse(line.slice(7)) as T) : undefined, run: r };
}
