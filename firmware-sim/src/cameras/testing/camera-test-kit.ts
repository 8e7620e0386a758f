/**
 * Test support for the simulated cameras (only tests import it): real clients driven as child
 * processes or raw sockets, and an independent WS-UsernameToken writer.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (SIGKILL after timeoutMs), feeding `input` on stdin. */
export function run(cmd: string, args: string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface ProbedStream {
  codec_name?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
}

/** `ffprobe -rtsp_transport tcp` of an RTSP URL: the video stream, or the failure. */
export async function ffprobeRtsp(url: string, extra: string[] = []): Promise<{ stream: ProbedStream | null; result: RunResult }> {
  const result = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', ...extra, '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,r_frame_rate', '-of', 'json', url], {
    timeoutMs: 30_000,
  });
  if (result.code !== 0) return { stream: null, result };
  const parsed = JSON.parse(result.stdout) as { streams?: ProbedStream[] };
  return { stream: parsed.streams?.[0] ?? null, result };
}

/** MD5 of every decoded frame of a file (`ffmpeg -f framemd5`), in order. */
export async function frameHashesOfFile(file: string): Promise<string[]> {
  const r = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-f', 'framemd5', '-'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`ffmpeg framemd5 failed: ${r.stderr}`);
  return parseFrameMd5(r.stdout).map((f) => f.md5);
}

export interface Frame {
  pts: number;
  md5: string;
}

export function parseFrameMd5(text: string): Frame[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').map((f) => f.trim()))
    .map((f) => ({ pts: Number(f[2]), md5: f[5]! }));
}

/**
 * Decodes an RTSP stream with ffmpeg (over TCP) and hands over each frame as it is decoded, with its
 * PTS in RTP's 90 kHz units; the reader stops when `onFrame` returns true, after `maxFrames`, when
 * `signal` aborts, or when ffmpeg gives up.
 */
export function readRtspFrames(
  url: string,
  options: { maxFrames: number; timeoutUs?: number; onFrame?: (frames: Frame[]) => boolean; signal?: AbortSignal; killAfterMs?: number },
): Promise<{ frames: Frame[]; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const args = ['-v', 'error', '-nostdin', '-rtsp_transport', 'tcp'];
    if (options.timeoutUs) args.push('-timeout', String(options.timeoutUs));
    // passthrough: every decoded frame with the stream's own timestamp (no frame-rate conversion)
    args.push('-i', url, '-map', '0:v:0', '-fps_mode', 'passthrough', '-enc_time_base', '1:90000', '-frames:v', String(options.maxFrames), '-f', 'framemd5', '-');
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const frames: Frame[] = [];
    let buffer = '';
    let stderr = '';
    let done = false;
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      frames.push(...parseFrameMd5(lines.join('\n')));
      if (!done && options.onFrame?.(frames)) {
        done = true;
        stop();
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 120_000);
    // SIGTERM ends ffmpeg between reads; one blocked on a silent socket only goes with SIGKILL
    const stop = () => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    };
    const abort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', abort);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      frames.push(...parseFrameMd5(buffer));
      resolve({ frames, stderr, code });
    });
  });
}

/** Opens a TCP connection: 'connected', or the error code (ECONNREFUSED…). */
export function tcpConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Sends one RTSP request line set over TCP and returns the status line of the answer. */
export function rtspRequest(port: number, method: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.once('connect', () => socket.write(`${method} ${url} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: camera-test-kit\r\n\r\n`));
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.once('error', reject);
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error(`no RTSP answer to ${method}`));
    });
  });
}

/** A WS-Security header written independently of the simulator's code. */
export function usernameTokenHeader(username: string, password: string, options: { type?: 'digest' | 'text'; created?: Date } = {}): string {
  const created = (options.created ?? new Date()).toISOString();
  const nonce = randomBytes(16);
  const wsse = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
  const wsu = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
  const profile = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
  const pw =
    options.type === 'text'
      ? `<wsse:Password Type="${profile}#PasswordText">${password}</wsse:Password>`
      : `<wsse:Password Type="${profile}#PasswordDigest">${createHash('sha1')
          .update(Buffer.concat([nonce, Buffer.from(created), Buffer.from(password)]))
          .digest('base64')}</wsse:Password><wsse:Nonce>${nonce.toString('base64')}</wsse:Nonce>`;
  return `<wsse:Security xmlns:wsse="${wsse}" xmlns:wsu="${wsu}"><wsse:UsernameToken><wsse:Username>${username}</wsse:Username>${pw}<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`;
}

export function soapRequest(body: string, header = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
    `xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">` +
    `<s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

export interface SoapResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Content-Length header and the bytes received agree. */
  contentLengthExact: boolean;
}

export async function postSoap(url: string, body: string, headers: Record<string, string> = {}): Promise<SoapResponse> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/soap+xml; charset=utf-8', ...headers } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: bytes.toString('utf8'), contentLengthExact: Number(res.headers.get('content-length')) === bytes.length };
}

/** Sends a datagram to a UDP port and collects the answers that arrive within `waitMs`. */
export function udpExchange(port: number, message: string, waitMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const replies: string[] = [];
    socket.on('message', (m) => replies.push(m.toString('utf8')));
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.send(message, port, '127.0.0.1');
      setTimeout(() => {
        socket.close();
        resolve(replies);
      }, waitMs);
    });
  });
}

export function probeMessage(messageId: string, types = 'dn:NetworkVideoTransmitter', scopes = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
    `xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:wprt="http://schemas.microsoft.com/windows/2006/08/wdp/print">` +
    `<e:Header><w:MessageID>${messageId}</w:MessageID><w:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>` +
    `<w:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>` +
    `<e:Body><d:Probe><d:Types>${types}</d:Types>${scopes ? `<d:Scopes>${scopes}</d:Scopes>` : ''}</d:Probe></e:Body></e:Envelope>`
  );
}

/** Whether a process exists and is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Direct children of a process, from /proc. */
export function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === pid ? [Number(d)] : [];
      } catch {
        return [];
      }
    });
}

/** Command line of a process ('' when gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}
