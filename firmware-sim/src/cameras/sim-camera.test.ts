import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import onvif, { type Cam, type CamProfile, type DeviceInformation } from 'onvif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultClip } from './launcher.js';
import { startSimCamera, type SimCamera } from './sim-camera.js';
import {
  ffprobeRtsp,
  postSoap,
  probeMessage,
  run,
  soapRequest,
  udpExchange,
  usernameTokenHeader,
} from './testing/camera-test-kit.js';
import { parseXml, child, descendant } from './xml.js';

const CLIP = defaultClip();

/** Connects the npm `onvif` client the way its README does: `new Cam(options, callback)`. */
function connectCam(options: { port: number; username: string; password: string; useWSSecurity?: boolean }): Promise<Cam> {
  return new Promise((resolve, reject) => {
    const cam: Cam = new onvif.Cam({ hostname: '127.0.0.1', timeout: 10_000, ...options }, (err) => (err ? reject(err) : resolve(cam)));
  });
}

const call = <T>(cam: Cam, method: 'getDeviceInformation' | 'getProfiles' | 'getStreamUri' | 'getSnapshotUri' | 'getSystemDateAndTime'): Promise<T> =>
  promisify((cam[method] as (cb: (err: Error | null, data?: T) => void) => void).bind(cam))() as Promise<T>;

describe('simulated camera: ONVIF device, snapshot and WS-Discovery', () => {
  let cam: SimCamera;
  const work = mkdtempSync(join(tmpdir(), 'sc-cam-test-'));

  beforeAll(async () => {
    cam = await startSimCamera({ name: 'Cổng ấp 2A', hamlet: 'ap-2a', username: 'admin', password: 'admin', clip: CLIP });
  }, 60_000);
  afterAll(async () => {
    await cam?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('is walked by the npm onvif client: device information, profiles, stream and snapshot URIs', async () => {
    const client = await connectCam({ port: cam.ports.onvif, username: 'admin', password: 'admin' });
    const info = await call<DeviceInformation>(client, 'getDeviceInformation');
    expect(info).toMatchObject({ manufacturer: 'Smart Commune', model: 'SC-SIM-CAM', firmwareVersion: '1.0.0' });
    expect(info.serialNumber).toMatch(/^SC[0-9A-F]{10}$/);

    const profiles = await call<CamProfile[]>(client, 'getProfiles');
    expect(profiles).toHaveLength(1);
    expect(profiles[0]!.$.token).toBe('profile_1');
    expect(profiles[0]!.videoEncoderConfiguration).toMatchObject({ encoding: 'H264', resolution: { width: 768, height: 576 }, rateControl: { frameRateLimit: 10 } });
    expect(client.activeSource).toMatchObject({ profileToken: 'profile_1', encoding: 'H264', width: 768, height: 576, fps: 10 });

    const stream = await call<{ uri: string }>(client, 'getStreamUri');
    expect(stream.uri).toBe(cam.rtspUrl);
    expect(Buffer.byteLength(stream.uri)).toBeLessThanOrEqual(128);
    expect(stream.uri).toMatch(/^rtsp:\/\/127\.0\.0\.1:\d+\/stream1$/);
    const snapshot = await call<{ uri: string }>(client, 'getSnapshotUri');
    expect(snapshot.uri).toBe(cam.snapshotUrl);
    expect(client.uri?.media?.href).toBe(`http://127.0.0.1:${cam.ports.onvif}/onvif/media_service`);
  });

  it('refuses a wrong password with HTTP 400 and ter:NotAuthorized, for WS-Security digests and plain text', async () => {
    await expect(connectCam({ port: cam.ports.onvif, username: 'admin', password: 'not-the-password' })).rejects.toThrow(/Sender not Authorized/);
    await expect(connectCam({ port: cam.ports.onvif, username: 'intruder', password: 'admin' })).rejects.toThrow(/Sender not Authorized/);

    const getInfo = '<tds:GetDeviceInformation/>';
    for (const type of ['digest', 'text'] as const) {
      const wrong = await postSoap(cam.onvifUrl, soapRequest(getInfo, usernameTokenHeader('admin', 'wrong', { type })));
      expect(wrong.status).toBe(400);
      expect(wrong.text).toContain('<env:Value>ter:NotAuthorized</env:Value>');
      expect(wrong.text).toContain('<env:Value>env:Sender</env:Value>');
      const right = await postSoap(cam.onvifUrl, soapRequest(getInfo, usernameTokenHeader('admin', 'admin', { type })));
      expect(right.status).toBe(200);
      expect(right.text).toContain('<tds:Manufacturer>Smart Commune</tds:Manufacturer>');
    }
    // a digest made far from the camera's clock is refused: replay window
    const old = await postSoap(cam.onvifUrl, soapRequest(getInfo, usernameTokenHeader('admin', 'admin', { created: new Date(Date.now() - 3_600_000) })));
    expect(old.status).toBe(400);
  });

  it('answers GetSystemDateAndTime, GetCapabilities and GetServices without credentials; the rest asks for them (401, Digest)', async () => {
    const time = await postSoap(cam.onvifUrl, soapRequest('<tds:GetSystemDateAndTime/>'));
    expect(time.status).toBe(200);
    expect(time.headers.get('content-type')).toMatch(/^application\/soap\+xml/);
    expect(time.contentLengthExact).toBe(true);
    const utc = descendant(parseXml(time.text), 'UTCDateTime')!;
    const y = Number(descendant(utc, 'Year')!.text);
    expect(y).toBe(new Date().getUTCFullYear());

    const caps = await postSoap(cam.onvifUrl, soapRequest('<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>'));
    expect(caps.status).toBe(200);
    expect(caps.text).toContain(`<tt:XAddr>http://127.0.0.1:${cam.ports.onvif}/onvif/media_service</tt:XAddr>`);
    const services = await postSoap(cam.onvifUrl, soapRequest('<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>'));
    expect(services.status).toBe(200);
    expect(services.text).toContain('<tds:Namespace>http://www.onvif.org/ver10/media/wsdl</tds:Namespace>');
    expect(services.text).toContain('SnapshotUri="true"');

    for (const op of ['<tds:GetDeviceInformation/>', '<trt:GetProfiles/>', '<trt:GetStreamUri><trt:ProfileToken>profile_1</trt:ProfileToken></trt:GetStreamUri>']) {
      const anonymous = await postSoap(cam.onvifUrl, soapRequest(op));
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Digest realm="[^"]+", qop="auth", nonce="[0-9a-f]+"/);
      expect(anonymous.text).toContain('ter:NotAuthorized');
      expect(anonymous.contentLengthExact).toBe(true);
    }
  });

  it('also accepts HTTP Digest instead of WS-Security (the onvif client falls back to it on a 401)', async () => {
    const client = await connectCam({ port: cam.ports.onvif, username: 'admin', password: 'admin', useWSSecurity: false });
    expect((await call<DeviceInformation>(client, 'getDeviceInformation')).model).toBe('SC-SIM-CAM');
    const wrong = await connectCam({ port: cam.ports.onvif, username: 'admin', password: 'nope', useWSSecurity: false });
    await expect(call(wrong, 'getDeviceInformation')).rejects.toThrow(/Digest authentication failed 401/);
  });

  it('rejects what it does not implement and what is not XML', async () => {
    const header = usernameTokenHeader('admin', 'admin');
    const ptz = await postSoap(cam.onvifUrl, soapRequest('<tptz:GetNodes xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl"/>', header));
    expect(ptz.status).toBe(500);
    expect(ptz.text).toContain('ter:ActionNotSupported');
    const garbage = await postSoap(cam.onvifUrl, '<s:Envelope><unclosed>');
    expect(garbage.status).toBe(400);
    expect(garbage.text).toContain('ter:WellFormed');
    const noProfile = await postSoap(cam.onvifUrl, soapRequest('<trt:GetStreamUri><trt:ProfileToken>nope</trt:ProfileToken></trt:GetStreamUri>', usernameTokenHeader('admin', 'admin')));
    expect(noProfile.status).toBe(400);
    expect(noProfile.text).toContain('ter:NoProfile');
    const multicast = await postSoap(
      cam.onvifUrl,
      soapRequest(
        '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Multicast</tt:Stream><tt:Transport><tt:Protocol>UDP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>profile_1</trt:ProfileToken></trt:GetStreamUri>',
        usernameTokenHeader('admin', 'admin'),
      ),
    );
    expect(multicast.status).toBe(400);
    expect(multicast.text).toContain('ter:InvalidStreamSetup');
  });

  it('serves a JPEG frame of the clip as snapshot, behind HTTP Digest', async () => {
    const anonymous = await fetch(cam.snapshotUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Digest /);
    const basic = await fetch(cam.snapshotUrl, { headers: { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } });
    expect(basic.status).toBe(401);

    const file = join(work, 'snapshot.jpg');
    const curl = await run('curl', ['-sS', '--digest', '-u', 'admin:admin', '-o', file, '-w', '%{http_code} %{content_type} %{size_download}', cam.snapshotUrl]);
    expect(curl.code).toBe(0);
    const [status, type, size] = curl.stdout.split(' ');
    expect(status).toBe('200');
    expect(type).toBe('image/jpeg');
    const jpeg = readFileSync(file);
    expect(jpeg.length).toBe(Number(size));
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8'); // SOI
    expect(jpeg.subarray(-2).toString('hex')).toBe('ffd9'); // EOI
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', file]);
    expect(probe.stdout.trim()).toBe('mjpeg,768,576');
    // a real frame of the clip: one of the frames extracted from it
    expect(cam.clip.frames.some((f) => readFileSync(f).equals(jpeg))).toBe(true);

    const wrong = await run('curl', ['-sS', '--digest', '-u', 'admin:wrong', '-o', '/dev/null', '-w', '%{http_code}', cam.snapshotUrl]);
    expect(wrong.stdout).toBe('401');
  });

  it('takes a new password through ONVIF SetUser: the old one is refused everywhere, the new one works', async () => {
    const set = await postSoap(
      cam.onvifUrl,
      soapRequest(
        '<tds:SetUser><tds:User><tt:Username>admin</tt:Username><tt:Password>Vi-Tan-2025</tt:Password><tt:UserLevel>Administrator</tt:UserLevel></tds:User></tds:SetUser>',
        usernameTokenHeader('admin', 'admin'),
      ),
    );
    expect(set.status).toBe(200);
    try {
      await expect(connectCam({ port: cam.ports.onvif, username: 'admin', password: 'admin' })).rejects.toThrow(/Sender not Authorized/);
      const client = await connectCam({ port: cam.ports.onvif, username: 'admin', password: 'Vi-Tan-2025' });
      expect((await call<{ uri: string }>(client, 'getStreamUri')).uri).toBe(cam.rtspUrl);
      const oldSnap = await run('curl', ['-sS', '--digest', '-u', 'admin:admin', '-o', '/dev/null', '-w', '%{http_code}', cam.snapshotUrl]);
      expect(oldSnap.stdout).toBe('401');
      const newSnap = await run('curl', ['-sS', '--digest', '-u', 'admin:Vi-Tan-2025', '-o', '/dev/null', '-w', '%{http_code}', cam.snapshotUrl]);
      expect(newSnap.stdout).toBe('200');
    } finally {
      await cam.setPassword('admin');
    }
    await connectCam({ port: cam.ports.onvif, username: 'admin', password: 'admin' });
  });

  it('answers a unicast WS-Discovery Probe with a ProbeMatch naming its types, scopes and XAddrs', async () => {
    const messageId = `urn:uuid:${randomUUID()}`;
    const replies = await udpExchange(cam.discoveryPort, probeMessage(messageId), 1000);
    expect(replies).toHaveLength(1);
    const env = parseXml(replies[0]!);
    expect(descendant(env, 'RelatesTo')!.text).toBe(messageId);
    expect(descendant(env, 'Action')!.text).toBe('http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches');
    const match = descendant(env, 'ProbeMatch')!;
    expect(child(match, 'Types')!.text.split(' ')).toEqual(['dn:NetworkVideoTransmitter', 'tds:Device']);
    expect(child(match, 'XAddrs')!.text).toBe(cam.onvifUrl);
    expect(descendant(match, 'Address')!.text).toBe(cam.endpoint);
    const scopes = child(match, 'Scopes')!.text.split(' ');
    expect(scopes).toContain(`onvif://www.onvif.org/name/${encodeURIComponent('Cổng ấp 2A')}`);
    expect(scopes).toContain('onvif://www.onvif.org/location/ap-2a');
    expect(scopes).toContain('onvif://www.onvif.org/type/Network_Video_Transmitter');

    // probes by scope: a matching location answers, another hamlet's does not
    expect(await udpExchange(cam.discoveryPort, probeMessage(`urn:uuid:${randomUUID()}`, 'tds:Device', 'onvif://www.onvif.org/location/ap-2a'), 1000)).toHaveLength(1);
    expect(await udpExchange(cam.discoveryPort, probeMessage(`urn:uuid:${randomUUID()}`, '', 'onvif://www.onvif.org/location/ap-7'), 1000)).toHaveLength(0);
    // a probe for printers is not for a camera
    expect(await udpExchange(cam.discoveryPort, probeMessage(`urn:uuid:${randomUUID()}`, 'wprt:PrintDeviceType'), 1000)).toHaveLength(0);
  });

  it('takes faults over its HTTP control endpoint', async () => {
    const status = await (await fetch(`${cam.controlUrl}status`)).json();
    expect(status).toMatchObject({ name: 'Cổng ấp 2A', hamlet: 'ap-2a', fault: null, onvif: 'up', rtsp: 'streaming' });
    const bad = await fetch(`${cam.controlUrl}fault`, { method: 'POST', body: JSON.stringify({ kind: 'on-fire' }) });
    expect(bad.status).toBe(400);
    const stalled = await (await fetch(`${cam.controlUrl}fault`, { method: 'POST', body: JSON.stringify({ kind: 'stream-stalled' }) })).json();
    expect(stalled).toMatchObject({ fault: 'stream-stalled', rtsp: 'stalled', onvif: 'up' });
    expect(cam.status().fault).toBe('stream-stalled');
    const down = await (await fetch(`${cam.controlUrl}fault/unreachable`, { method: 'POST' })).json();
    expect(down).toMatchObject({ fault: 'unreachable', rtsp: 'stopped', onvif: 'down' });
    const restored = await (await fetch(`${cam.controlUrl}restore`, { method: 'POST' })).json();
    expect(restored).toMatchObject({ fault: null, rtsp: 'streaming', onvif: 'up' });
    const client = await connectCam({ port: cam.ports.onvif, username: 'admin', password: 'admin' });
    expect((await call<{ uri: string }>(client, 'getStreamUri')).uri).toBe(cam.rtspUrl);
  });
});

describe('simulated camera with RTSP authentication and a wrong clock', () => {
  let cam: SimCamera;
  beforeAll(async () => {
    cam = await startSimCamera({ name: 'cam-skewed', username: 'operator', password: 's3cret', clip: CLIP, rtspAuth: true, clockSkewMs: 2 * 3_600_000, ports: { multicast: null } });
  }, 60_000);
  afterAll(() => cam?.stop());

  it('reports its own clock, and the onvif client that corrects for it gets in; a digest dated by the host clock does not', async () => {
    const time = await postSoap(cam.onvifUrl, soapRequest('<tds:GetSystemDateAndTime/>'));
    const hour = Number(descendant(descendant(parseXml(time.text), 'UTCDateTime'), 'Hour')!.text);
    expect(hour).toBe(new Date(Date.now() + 2 * 3_600_000).getUTCHours());
    const client = await connectCam({ port: cam.ports.onvif, username: 'operator', password: 's3cret' });
    expect((await call<DeviceInformation>(client, 'getDeviceInformation')).model).toBe('SC-SIM-CAM');
    const hostDated = await postSoap(cam.onvifUrl, soapRequest('<tds:GetDeviceInformation/>', usernameTokenHeader('operator', 's3cret')));
    expect(hostDated.status).toBe(400);
    const cameraDated = await postSoap(cam.onvifUrl, soapRequest('<tds:GetDeviceInformation/>', usernameTokenHeader('operator', 's3cret', { created: new Date(Date.now() + 2 * 3_600_000) })));
    expect(cameraDated.status).toBe(200);
  });

  it('requires RTSP Digest credentials, and follows a password change', async () => {
    const url = new URL(cam.rtspUrl);
    const anonymous = await ffprobeRtsp(cam.rtspUrl);
    expect(anonymous.stream).toBeNull();
    expect(anonymous.result.stderr).toMatch(/401 Unauthorized/);
    const withCreds = await ffprobeRtsp(`rtsp://operator:s3cret@${url.host}${url.pathname}`);
    expect(withCreds.stream).toMatchObject({ codec_name: 'h264', width: 768, height: 576 });

    await cam.setPassword('n3w');
    const old = await ffprobeRtsp(`rtsp://operator:s3cret@${url.host}${url.pathname}`);
    expect(old.result.stderr).toMatch(/401 Unauthorized/);
    const renewed = await ffprobeRtsp(`rtsp://operator:n3w@${url.host}${url.pathname}`);
    expect(renewed.stream).toMatchObject({ codec_name: 'h264' });
  }, 60_000);
});
