import { fileURLToPath } from 'node:url';
import type { DiscoveredCamera } from '@smart-commune/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCamera, type SimCamera } from '../../../../firmware-sim/src/cameras/sim-camera.js';
import { CLIP } from '../testing/media.js';
import { discoverCameras, parseProbeMatches } from './discovery.js';
import { runInMulticastNetns } from './testing/netns.js';

const SIM_CAMERA = fileURLToPath(new URL('../../../../firmware-sim/src/cameras/sim-camera.ts', import.meta.url));
const DISCOVERY = fileURLToPath(new URL('./discovery.ts', import.meta.url));
const MEDIA = fileURLToPath(new URL('../testing/media.ts', import.meta.url));
const EDGE = fileURLToPath(new URL('../../..', import.meta.url));

const SCRIPT = `
import { startSimCamera } from ${JSON.stringify(SIM_CAMERA)};
import { discoverCameras } from ${JSON.stringify(DISCOVERY)};
import { CLIP } from ${JSON.stringify(MEDIA)};

const out = {};
const start = (name, hamlet) => startSimCamera({ name, hamlet, username: 'admin', password: 'admin', clip: CLIP });
const cameras = [await start('Cổng ấp 3', 'ap-3'), await start('Chợ Vị Tân', 'ap-3a')];
try {
  out.cameras = cameras.map((c) => ({ endpoint: c.endpoint, onvifUrl: c.onvifUrl, name: c.name }));
  out.found = await discoverCameras({ timeoutMs: 1500 });
  out.foundOnLo = await discoverCameras({ timeoutMs: 1500, interface: 'lo' });
  await cameras[0].fault('unreachable');
  out.foundWhileUnreachable = await discoverCameras({ timeoutMs: 1500 });
  try {
    await discoverCameras({ timeoutMs: 100, interface: 'eth-nope' });
  } catch (err) {
    out.badInterface = err.message;
  }
} finally {
  await Promise.all(cameras.map((c) => c.stop()));
}
console.log('RESULT ' + JSON.stringify(out));
`;

interface Result {
  cameras: Array<{ endpoint: string; onvifUrl: string; name: string }>;
  found: DiscoveredCamera[];
  foundOnLo: DiscoveredCamera[];
  foundWhileUnreachable: DiscoveredCamera[];
  badInterface?: string;
}

const byUrn = (list: DiscoveredCamera[]) => [...list].sort((a, b) => a.urn.localeCompare(b.urn));

describe('discoverCameras', () => {
  it('finds every camera on the LAN by a multicast probe, once each, named from its scopes (private network namespace)', async () => {
    const { result, run } = await runInMulticastNetns<Result>(SCRIPT, { cwd: EDGE });
    expect(result, `no result from the namespace (code ${run.code}): ${run.stderr}`).toBeDefined();
    const expected = byUrn(result!.cameras.map((c) => ({ urn: c.endpoint, xaddr: c.onvifUrl, name: c.name, hardware: 'SC-SIM-CAM' })));
    expect(byUrn(result!.found)).toEqual(expected);
    expect(byUrn(result!.foundOnLo)).toEqual(expected);
    expect(result!.foundWhileUnreachable).toEqual([expected.find((c) => c.name === 'Chợ Vị Tân')]);
    expect(result!.badInterface).toContain('no IPv4 interface named "eth-nope"');
  }, 120_000);

  describe('a directed probe (unicast, no multicast needed)', () => {
    let cam: SimCamera;
    beforeAll(async () => {
      cam = await startSimCamera({ name: 'Trạm y tế', hamlet: 'ap-1', username: 'admin', password: 'admin', clip: CLIP, ports: { multicast: null } });
    }, 60_000);
    afterAll(async () => {
      await cam?.stop();
    });

    it('gets the camera behind an address; an address where nothing answers adds nothing', async () => {
      const silent = { host: '127.0.0.1', port: 9 };
      const found = await discoverCameras({ timeoutMs: 500, targets: [silent, { host: '127.0.0.1', port: cam.discoveryPort }] });
      expect(found).toEqual([{ urn: cam.endpoint, xaddr: cam.onvifUrl, name: 'Trạm y tế', hardware: 'SC-SIM-CAM' }]);
    });
  });

  it('ignores answers to other probes and malformed matches', () => {
    const answer = (relatesTo: string, address: string, xaddrs: string) =>
      `<e:Envelope xmlns:e="x" xmlns:w="y" xmlns:d="z"><e:Header><w:RelatesTo>${relatesTo}</w:RelatesTo></e:Header><e:Body><d:ProbeMatches>` +
      `<d:ProbeMatch><w:EndpointReference><w:Address>${address}</w:Address></w:EndpointReference><d:Scopes>onvif://www.onvif.org/name/A%20B</d:Scopes>` +
      `<d:XAddrs>${xaddrs}</d:XAddrs></d:ProbeMatch></d:ProbeMatches></e:Body></e:Envelope>`;
    expect(parseProbeMatches(answer('urn:uuid:1', 'urn:uuid:cam', 'http://10.0.0.9/onvif/device_service'), 'urn:uuid:2', '10.0.0.9')).toEqual([]);
    expect(parseProbeMatches(answer('uuid:1', 'urn:uuid:cam', 'http://10.0.0.9/onvif/device_service'), 'urn:uuid:1', '10.0.0.9')).toEqual([
      { urn: 'urn:uuid:cam', xaddr: 'http://10.0.0.9/onvif/device_service', name: 'A B' },
    ]);
    // several XAddrs: the one on the address that answered
    expect(parseProbeMatches(answer('urn:uuid:1', 'urn:uuid:cam', 'http://192.168.1.5/onvif http://10.0.0.9/onvif'), 'urn:uuid:1', '10.0.0.9')[0]!.xaddr).toBe('http://10.0.0.9/onvif');
    expect(parseProbeMatches(answer('urn:uuid:1', '', 'http://10.0.0.9/onvif'), 'urn:uuid:1', '10.0.0.9')).toEqual([]);
    expect(parseProbeMatches(answer('urn:uuid:1', 'urn:uuid:cam', 'ftp://nope'), 'urn:uuid:1', '10.0.0.9')).toEqual([]);
  });
});
