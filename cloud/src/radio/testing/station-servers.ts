import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { freePort } from '../../../../test-support/ports.js';
import { waitFor } from '../../../../test-support/wait.js';

/**
 * Test support (tests and benchmarks import it): real stations on 127.0.0.1. Debian's icecast2 with
 * a temporary configuration, fed by ffmpeg with a known tone; an HLS live stream written by ffmpeg
 * into a temporary directory and served by a tiny static server; a server that answers a web page.
 */

const SOURCE_PASSWORD = 'nguon-thu';

export interface IcecastServer {
  port: number;
  url(mount: string): string;
  /** Starts ffmpeg sending a sine tone (Hz), or a sound file looped, to the mount, as MP3 (or AAC in ADTS). */
  feed(mount: string, sound: number | { file: string }, codec?: 'mp3' | 'aac'): Promise<Feeder>;
  stop(): Promise<void>;
}

export interface Feeder {
  /** Stops the source: Icecast drops the mount and its listeners. */
  stop(): Promise<void>;
}

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGKILL');
  });
}

async function mountUp(url: string): Promise<boolean> {
  const controller = new AbortController();
  try {
    const res = await fetch(url, { signal: controller.signal });
    const ok = res.ok;
    controller.abort();
    return ok;
  } catch {
    return false;
  }
}

export async function startIcecast(): Promise<IcecastServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sc-icecast-'));
  // icecast2 refuses to run as root unless it changes owner; its logs must then be writable by that user
  await chmod(dir, 0o777);
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  await writeFile(
    join(dir, 'icecast.xml'),
    `<icecast>
  <limits><clients>100</clients><sources>10</sources><source-timeout>5</source-timeout><burst-size>16384</burst-size></limits>
  <authentication><source-password>${SOURCE_PASSWORD}</source-password><admin-user>admin</admin-user><admin-password>quan-tri</admin-password></authentication>
  <hostname>127.0.0.1</hostname><location>test</location><admin>test@localhost</admin>
  <listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>${dir}</logdir><webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot>${asRoot ? '<changeowner><user>nobody</user><group>nogroup</group></changeowner>' : ''}</security>
</icecast>
`,
  );
  const server = spawn('icecast2', ['-c', join(dir, 'icecast.xml')], { stdio: 'ignore' });
  const feeders = new Set<ChildProcess>();
  const url = (mount: string) => `http://127.0.0.1:${port}/${mount}`;
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/status-json.xsl`).catch(() => null))?.ok, `icecast2 on port ${port}`, 10_000, 100);
  return {
    port,
    url,
    async feed(mount, sound, codec = 'mp3') {
      const input = typeof sound === 'number' ? ['-f', 'lavfi', '-i', `sine=frequency=${sound}:sample_rate=44100`] : ['-stream_loop', '-1', '-i', sound.file];
      const encoder = codec === 'mp3' ? ['-c:a', 'libmp3lame', '-b:a', '64k', '-content_type', 'audio/mpeg', '-f', 'mp3'] : ['-c:a', 'aac', '-b:a', '64k', '-content_type', 'audio/aac', '-f', 'adts'];
      const child = spawn(
        'ffmpeg',
        ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', ...input, '-ac', '1', ...encoder, `icecast://source:${SOURCE_PASSWORD}@127.0.0.1:${port}/${mount}`],
        { stdio: 'ignore' },
      );
      feeders.add(child);
      await waitFor(() => mountUp(url(mount)), `icecast mount /${mount} up`, 10_000, 100);
      return {
        stop: async () => {
          feeders.delete(child);
          await killed(child);
          await waitFor(async () => !(await mountUp(url(mount))), `icecast mount /${mount} gone`, 10_000, 100);
        },
      };
    },
    async stop() {
      await Promise.all([...feeders].map(killed));
      await killed(server);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface HlsStation {
  url: string;
  /** Stops ffmpeg and makes the playlist answer 404 (the station is gone). */
  cut(): Promise<void>;
  /** Starts writing again (a new live playlist). */
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/** An HLS live stream of a sine tone, 1 s AAC segments in MPEG-TS, served over HTTP. */
export async function startHls(frequency: number): Promise<HlsStation> {
  const dir = await mkdtemp(join(tmpdir(), 'sc-hls-'));
  let writer: ChildProcess | null = null;
  let up = false;
  const write = async () => {
    for (const f of await readdir(dir)) await rm(join(dir, f), { force: true });
    writer = spawn(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=44100`, '-ac', '1', '-c:a', 'aac', '-b:a', '64k',
        '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6', '-hls_flags', 'delete_segments+omit_endlist', join(dir, 'live.m3u8')],
      { stdio: 'ignore' },
    );
    up = true;
    await waitFor(async () => (await stat(join(dir, 'live.m3u8')).catch(() => null)) !== null, 'HLS playlist written', 10_000, 100);
  };
  const server: Server = createServer((req, res) => {
    const name = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
    if (!up || name.includes('/') || name.includes('..') || !/\.(m3u8|ts)$/.test(name)) return void res.writeHead(404).end();
    const path = join(dir, name);
    stat(path).then(
      (s) => {
        res.writeHead(200, { 'content-type': name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t', 'content-length': s.size, 'cache-control': 'no-cache' });
        createReadStream(path).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await write();
  const stopWriter = async () => {
    up = false;
    if (writer) await killed(writer);
    writer = null;
  };
  return {
    url: `http://127.0.0.1:${port}/live.m3u8`,
    cut: stopWriter,
    restore: write,
    async stop() {
      await stopWriter();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A web server that answers an HTML page at any path: a URL that is not audio. */
export async function startWebPage(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Trang chủ</title><p>Xin chào</p>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/radio`, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Relative power of one frequency in s16le 48 kHz PCM (Goertzel) against the signal's whole power: near 1 for a pure tone of it. */
export function toneShare(pcm: Buffer, hz: number): number {
  const n = Math.floor(pcm.length / 2);
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / 48_000);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = pcm.readInt16LE(i * 2) / 32768;
    energy += x * x;
    const s = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (n * energy);
}
