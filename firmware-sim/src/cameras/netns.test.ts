import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SimCameraConfig } from './launcher.js';
import { run } from './testing/camera-test-kit.js';

/**
 * Multicast discovery needs a network of its own: this test runs the cameras and the clients in a
 * private network namespace (`unshare -rn`) whose loopback carries multicast, so that nothing leaves
 * the machine and other tests' cameras are not seen. onvif-util (Debian's onvif-tools) always finds
 * cameras by a multicast Probe before it logs in, and the npm onvif client's Discovery.probe only
 * sends to 239.255.255.250:3702.
 */
const LAUNCHER = fileURLToPath(new URL('./launcher.ts', import.meta.url));
const FIRMWARE_SIM = fileURLToPath(new URL('../..', import.meta.url));

const SCRIPT = `
import { spawn } from 'node:child_process';
import onvif from 'onvif';
import { startCommuneCameras } from ${JSON.stringify(LAUNCHER)};

const out = {};
const probe = () => new Promise((resolve) => {
  const found = [];
  const onDevice = (cam, rinfo, xml) => found.push({ xaddrs: cam.xaddrs.map((u) => u.href), from: rinfo.address, xml });
  onvif.Discovery.on('device', onDevice);
  onvif.Discovery.probe({ timeout: 1500 }, () => { onvif.Discovery.off('device', onDevice); resolve(found); });
});
const util = (args, input) => new Promise((resolve) => {
  const child = spawn('onvif-util', args);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, output }); });
});

const cameras = await startCommuneCameras({ hamlets: [{ code: 'ap-3' }, { code: 'ap-3a' }] });
try {
  out.cameras = cameras.configs;
  out.discovered = await probe();
  // the README's way: a discovered Cam, given credentials, connects by itself
  const found = out.discovered.find((d) => d.xaddrs[0] === cameras.configs[1].onvifUrl);
  if (found) {
    await new Promise((done) => {
      const url = new URL(found.xaddrs[0]);
      const cam = new onvif.Cam({ hostname: url.hostname, port: Number(url.port), username: 'admin', password: 'admin' }, (err) => {
        if (err) { out.connectError = err.message; return done(); }
        cam.getStreamUri((e, stream) => { out.streamUri = e ? e.message : stream.uri; done(); });
      });
    });
  }
  out.login = await util(['-u', 'admin', '-p', 'admin', '127.0.0.1'], 'get rtsp\\nget profiles\\nget video\\nget time\\nquit\\n');
  out.wrongPassword = await util(['-u', 'admin', '-p', 'wrong', '127.0.0.1'], 'quit\\n');
  out.all = await util(['-a'], '');
  await cameras.cameras[0].fault('unreachable');
  out.discoveredWhileUnreachable = await probe();
} finally {
  await cameras.stop();
}
console.log('RESULT ' + JSON.stringify(out));
`;

interface Discovered {
  xaddrs: string[];
  from: string;
  xml: string;
}
interface Util {
  code: number | null;
  signal: string | null;
  output: string;
}
interface Result {
  cameras: SimCameraConfig[];
  discovered: Discovered[];
  discoveredWhileUnreachable: Discovered[];
  streamUri?: string;
  connectError?: string;
  login: Util;
  wrongPassword: Util;
  all: Util;
}

describe('simulated cameras on a network of their own (multicast WS-Discovery)', () => {
  it('are found by the npm onvif Discovery.probe and walked by onvif-util, which discovers by multicast first', async () => {
    const r = await run(
      'unshare',
      // -r: a user namespace too, so that this works without root
      ['-r', '-n', 'sh', '-c', 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$0" --import tsx --input-type=module -e "$SC_NETNS_SCRIPT"', process.execPath],
      { env: { ...process.env, SC_NETNS_SCRIPT: SCRIPT }, timeoutMs: 100_000, cwd: FIRMWARE_SIM },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, `no result from the namespace (code ${r.code}): ${r.stderr}`).toBeDefined();
    const result = JSON.parse(line!.slice(7)) as Result;
    const [a, b] = result.cameras;

    // Discovery.probe: both cameras answer the multicast Probe, with their XAddrs, endpoint and scopes
    expect(result.discovered.map((d) => d.xaddrs[0]).sort()).toEqual([a!.onvifUrl, b!.onvifUrl].sort());
    for (const d of result.discovered) {
      const camera = result.cameras.find((c) => c.onvifUrl === d.xaddrs[0])!;
      expect(d.from).toBe('127.0.0.1');
      // the client hands over the reply with its namespace declarations stripped: read it as text
      expect(/<(?:\w+:)?Address>([^<]*)</.exec(d.xml)?.[1]).toBe(camera.endpoint);
      const scopes = /<(?:\w+:)?Scopes>([^<]*)</.exec(d.xml)![1]!.split(' ');
      expect(scopes).toContain(`onvif://www.onvif.org/name/${camera.name}`);
      expect(scopes).toContain(`onvif://www.onvif.org/location/${camera.hamlet}`);
    }
    expect(result.connectError).toBeUndefined();
    expect(result.streamUri).toBe(b!.rtspUrl);

    // onvif-util: finds 127.0.0.1 by multicast, logs in with WS-Security, reads what a client needs
    expect(result.login.code).toBe(0);
    const out = result.login.output;
    expect(out).toContain('found host: 127.0.0.1');
    expect(out).toContain('successfully connected to host');
    const camera = result.cameras.find((c) => out.includes(`name:   ${c.name} SC-SIM-CAM`));
    expect(camera, out).toBeDefined();
    expect(out).toMatch(/serial: SC[0-9A-F]{10}/);
    expect(out).toContain(`  ${camera!.rtspUrl}\n`);
    expect(out).toContain('Token 0: profile_1');
    expect(out).toContain('Resolution: 768 x 576');
    expect(out).toContain('Frame Rate: 10');
    expect(out).toMatch(/Time Offset: 0 seconds/);

    expect(result.wrongPassword.code).toBe(1);
    expect(result.wrongPassword.output).toContain('ERROR: get device information - ter:NotAuthorized');

    expect(result.all.output).toContain('Found 2 cameras');
    for (const c of result.cameras) expect(result.all.output).toContain(`127.0.0.1 ${c.name}(${c.name} SC-SIM-CAM)`);

    // an unreachable camera does not answer discovery either
    expect(result.discoveredWhileUnreachable.map((d) => d.xaddrs[0])).toEqual([b!.onvifUrl]);
  }, 120_000);
});
