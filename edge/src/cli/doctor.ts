import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CREDENTIALS_FILE, loadCredentials, loadEdgeConfig, type EdgeConfig } from '../config.js';
import { measureClockOffset } from '../fleet/clock-sync.js';
import { readDisk } from '../fleet/host-metrics.js';
import { formatBytes } from './output.js';

export interface Check {
  id: string;
  vi: string;
  en: string;
  ok: boolean;
  detail: string;
}

export interface DoctorLimits {
  minFreeBytes: number;
  maxClockOffsetMs: number;
}

const DEFAULT_LIMITS: DoctorLimits = { minFreeBytes: 1024 ** 3, maxClockOffsetMs: 500 };

/** Asynchronous: the daemon runs these checks for the remote doctor, and must not stop its audio meanwhile. */
function toolCheck(id: string, command: string, versionFlag: string, vi: string, en: string): Promise<Check> {
  return new Promise((resolve) => {
    execFile(command, [versionFlag], { encoding: 'utf8', timeout: 5000 }, (error, stdout) => {
      const detail = error ? `${command} not found: apt-get install ${command}` : (stdout.split('\n')[0] ?? '').trim();
      resolve({ id, vi, en, ok: !error, detail });
    });
  });
}

function tcpReachable(url: string, timeoutMs = 3000): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const defaultPort = url.startsWith('mqtts:') ? 8883 : 1883;
    const socket = connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (error: string | null) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done('timed out'));
    socket.once('connect', () => done(null));
    socket.once('error', (err) => done(err.message));
  });
}

async function credentialCheck(config: EdgeConfig, dataDir: string): Promise<Check> {
  const base = { id: 'credentials', vi: 'Thông tin xác thực', en: 'Credentials' };
  try {
    const creds = loadCredentials(dataDir);
    const mode = statSync(join(dataDir, CREDENTIALS_FILE)).mode & 0o777;
    if (mode & 0o077) return { ...base, ok: false, detail: `${CREDENTIALS_FILE} is readable by others (mode ${mode.toString(8)}): chmod 600` };
    const auth = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    const res = await fetch(new URL('/api/v1/provision/me', config.cloudUrl), { headers: { authorization: `Basic ${auth}` }, signal: AbortSignal.timeout(5000) });
    if (res.status === 401) return { ...base, ok: false, detail: 'the cloud refuses these credentials (revoked?): provision again with a new claim token' };
    if (!res.ok) return { ...base, ok: false, detail: `the cloud answered HTTP ${res.status}` };
    return { ...base, ok: true, detail: `valid for ${creds.username}` };
  } catch (err) {
    return { ...base, ok: false, detail: (err as Error).message };
  }
}

/** `sc-edge doctor`: everything a technician checks in the cabinet, each with a plain verdict. */
export async function runDoctor(dataDir: string, limits: DoctorLimits = DEFAULT_LIMITS): Promise<Check[]> {
  const checks: Check[] = [];
  let config: EdgeConfig | null = null;
  try {
    config = loadEdgeConfig(dataDir);
    checks.push({ id: 'config', vi: 'Cấu hình', en: 'Configuration', ok: true, detail: `${config.name} (${config.edgeId})` });
  } catch (err) {
    checks.push({ id: 'config', vi: 'Cấu hình', en: 'Configuration', ok: false, detail: (err as Error).message });
  }
  checks.push(
    ...(await Promise.all([
      toolCheck('ffmpeg', 'ffmpeg', '-version', 'Phần mềm ffmpeg', 'ffmpeg'),
      toolCheck('espeak-ng', 'espeak-ng', '--version', 'Phần mềm espeak-ng', 'espeak-ng'),
      toolCheck('aplay', 'aplay', '--version', 'Phần mềm phát âm thanh (aplay)', 'ALSA player (aplay)'),
    ])),
  );
  try {
    const disk = readDisk(dataDir);
    checks.push({
      id: 'disk',
      vi: 'Ổ đĩa',
      en: 'Disk',
      ok: disk.freeBytes >= limits.minFreeBytes,
      detail: `${formatBytes(disk.freeBytes)} free of ${formatBytes(disk.totalBytes)} (need ${formatBytes(limits.minFreeBytes)})`,
    });
  } catch (err) {
    checks.push({ id: 'disk', vi: 'Ổ đĩa', en: 'Disk', ok: false, detail: (err as Error).message });
  }
  if (!config) return checks;

  const clock = { id: 'time', vi: 'Đồng bộ giờ', en: 'Time sync' };
  try {
    const reading = await measureClockOffset(config.cloudUrl, 3);
    const ok = Math.abs(reading.offsetMs) <= limits.maxClockOffsetMs;
    const advice = ok ? '' : ': enable NTP (timedatectl set-ntp true)';
    checks.push({ ...clock, ok, detail: `${reading.offsetMs.toFixed(1)} ms from the cloud clock (RTT ${reading.roundTripMs} ms)${advice}` });
  } catch (err) {
    checks.push({ ...clock, ok: false, detail: (err as Error).message });
  }
  const brokerError = await tcpReachable(config.mqttUrl);
  checks.push({ id: 'broker', vi: 'Kết nối MQTT', en: 'Broker', ok: brokerError === null, detail: brokerError ?? `${config.mqttUrl} reachable` });
  checks.push(await credentialCheck(config, dataDir));
  return checks;
}

export function printChecks(checks: Check[]): void {
  for (const c of checks) console.log(`${c.ok ? '✔' : '✘'} ${c.vi} / ${c.en}: ${c.detail}`);
  const failed = checks.filter((c) => !c.ok).length;
  console.log(failed ? `${failed} mục cần xử lý / ${failed} problem(s) found` : 'Mọi thứ đều ổn / Everything is fine');
}
