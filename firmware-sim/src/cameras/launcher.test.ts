import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { startCommuneCameras } from './launcher.js';
import { alive, postSoap, rtspRequest, soapRequest, tcpConnect, usernameTokenHeader } from './testing/camera-test-kit.js';

describe('the commune\'s cameras', () => {
  it('start one camera per hamlet of the pilot commune, each on its own ports, named and located, streaming; and stop without a trace', async () => {
    const commune = await startCommuneCameras({ multicastPort: null });
    let pids: number[] = [];
    try {
      expect(commune.cameras.map((c) => c.name)).toEqual(VI_TAN.hamlets.map((h) => `cam-${h.code}-1`));
      expect(commune.configs.map((c) => c.hamlet)).toEqual(VI_TAN.hamlets.map((h) => h.code));
      const ports = commune.cameras.flatMap((c) => [c.ports.onvif, c.ports.rtsp, c.ports.discovery, c.ports.control]);
      expect(new Set(ports).size).toBe(ports.length);
      expect(new Set(commune.configs.map((c) => c.endpoint)).size).toBe(9);

      for (const [i, config] of commune.configs.entries()) {
        const scopes = await postSoap(config.onvifUrl, soapRequest('<tds:GetScopes/>', usernameTokenHeader('admin', 'admin')));
        expect(scopes.status).toBe(200);
        expect(scopes.text).toContain(`<tt:ScopeItem>onvif://www.onvif.org/location/${VI_TAN.hamlets[i]!.code}</tt:ScopeItem>`);
        expect(scopes.text).toContain(`<tt:ScopeItem>onvif://www.onvif.org/name/${config.name}</tt:ScopeItem>`);
        expect(await rtspRequest(Number(new URL(config.rtspUrl).port), 'DESCRIBE', config.rtspUrl)).toBe('RTSP/1.0 200 OK');
      }
      expect(commune.byHamlet('ap-2a').map((c) => c.name)).toEqual(['cam-ap-2a-1']);

      // the clips are staggered: two cameras do not show the same frame at the same moment
      const snapshot = async (url: string) => {
        const r = await fetch(url);
        const challenge = r.headers.get('www-authenticate')!;
        const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
        const realm = /realm="([^"]+)"/.exec(challenge)![1]!;
        const uri = new URL(url).pathname;
        const md5 = (s: string) => createHash('md5').update(s).digest('hex');
        const response = md5(`${md5(`admin:${realm}:admin`)}:${nonce}:00000001:abc:auth:${md5(`GET:${uri}`)}`);
        const auth = `Digest username="admin", realm="${realm}", nonce="${nonce}", uri="${uri}", qop=auth, nc=00000001, cnonce="abc", response="${response}"`;
        const ok = await fetch(url, { headers: { Authorization: auth } });
        expect(ok.status).toBe(200);
        return Buffer.from(await ok.arrayBuffer());
      };
      const [first, fifth] = await Promise.all([snapshot(commune.configs[0]!.snapshotUrl), snapshot(commune.configs[4]!.snapshotUrl)]);
      expect(first.equals(fifth)).toBe(false);

      pids = commune.cameras.map((c) => c.status().rtspPid!);
      expect(pids.every(alive)).toBe(true);
    } finally {
      await commune.stop();
    }
    expect(pids.filter(alive)).toEqual([]);
    for (const c of commune.cameras) expect(await tcpConnect(c.ports.onvif)).toBe('ECONNREFUSED');
  }, 90_000);
});
