import { spawn } from 'node:child_process';

export interface MosquittoResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs Debian's mosquitto_sub / mosquitto_pub (a third-party MQTT 3.1.1 client) against our broker. */
export function mosquitto(tool: 'mosquitto_sub' | 'mosquitto_pub', args: string[], timeoutMs = 10_000): Promise<MosquittoResult> {
  const child = spawn(tool, ['-V', 'mqttv311', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function brokerArgs(mqttUrl: string, username?: string, password?: string, clientId?: string): string[] {
  const { hostname, port } = new URL(mqttUrl);
  const args = ['-h', hostname, '-p', port];
  if (username) args.push('-u', username);
  if (password) args.push('-P', password);
  if (clientId) args.push('-i', clientId);
  return args;
}
