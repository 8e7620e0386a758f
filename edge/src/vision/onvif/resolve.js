import onvif, {} from 'onvif';
import { CameraSourceError, classifyCameraError } from './errors.js';
/** Inserts credentials into a URL, percent-encoded; a URL's own user info is replaced only when credentials are given. */
export function withCredentials(url, username, password) {
    if (!username && !password)
        return url;
    // WHATWG URL does not parse rtsp:// authorities, so parse it as http and keep the scheme
    const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(.*)$/i.exec(url);
    if (!m)
        throw new CameraSourceError('bad-response', url, 'not a URL');
    const user = encodeURIComponent(username ?? '');
    const auth = password ? `${user}:${encodeURIComponent(password)}` : user;
    return `${m[1]}://${auth}@${m[2]}`;
}
/**
 * Where to read a camera: an RTSP source is used as given (credentials inserted); an ONVIF device is
 * asked for its stream (RTSP over TCP) and snapshot URIs of the configured profile (the first when
 * none is configured). Throws a CameraSourceError whose code tells what a technician should check.
 */
export async function resolveCameraSource(source, options = {}) {
    if (source.kind === 'rtsp')
        return { streamUrl: withCredentials(source.url, source.username, source.password) };
    const timeoutMs = options.timeoutMs ?? 10_000;
    let timer;
    const deadline = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CameraSourceError('unreachable', source.xaddr, `no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
        return await Promise.race([resolveOnvif(source, timeoutMs), deadline]);
    }
    catch (err) {
        throw classifyCameraError(err, source.xaddr);
    }
    finally {
        clearTimeout(timer);
    }
}
async function resolveOnvif(source, timeoutMs) {
    const cam = await connect(source, timeoutMs);
    // connect() swallows media errors (a wrong password may only show here): ask again to see them
    const info = await ask((cb) => cam.getDeviceInformation(cb));
    const profiles = await ask((cb) => cam.getProfiles(cb));
    const profile = pickProfile(profiles, source);
    const profileToken = profileTokenOf(profile);
    const stream = await ask((cb) => cam.getStreamUri({ protocol: 'RTSP', stream: 'RTP-Unicast', profileToken }, cb));
    if (!stream?.uri || !/^rtsps?:\/\//i.test(stream.uri))
        throw new CameraSourceError('bad-response', source.xaddr, `GetStreamUri gave ${JSON.stringify(stream?.uri ?? null)}`);
    assertCameraHost(stream.uri, source.xaddr, 'GetStreamUri');
    const snapshot = await ask((cb) => cam.getSnapshotUri({ profileToken }, cb)).catch(() => undefined);
    if (snapshot?.uri)
        assertCameraHost(snapshot.uri, source.xaddr, 'GetSnapshotUri');
    return {
        streamUrl: withCredentials(stream.uri, source.username, source.password),
        ...(snapshot?.uri && /^https?:\/\//i.test(snapshot.uri) ? { snapshotUrl: snapshot.uri } : {}),
        device: { manufacturer: String(info?.manufacturer ?? ''), model: String(info?.model ?? ''), firmware: String(info?.firmwareVersion ?? '') },
    };
}
/** The host of a URL of any scheme, normalised as for http (WHATWG URL leaves an rtsp:// host as written). */
function hostOf(url) {
    try {
        return new URL(url.replace(/^[a-z][a-z0-9+.-]*:/i, 'http:')).hostname;
    }
    catch {
        return null;
    }
}
/**
 * The box sends the camera's credentials to the stream and snapshot URIs the camera names (in the
 * RTSP URL, on the snapshot's 401): they must be on the camera's own host, the one its ONVIF
 * address names, or a device on the LAN could have them sent to a host of its choosing.
 */
function assertCameraHost(uri, xaddr, call) {
    const camera = hostOf(xaddr);
    const named = hostOf(uri);
    if (named === null || named !== camera) {
        throw new CameraSourceError('foreign-host', xaddr, `${call} named host ${JSON.stringify(named ?? uri)}, not the camera's ${camera}`);
    }
}
function connect(source, timeoutMs) {
    const url = new URL(source.xaddr);
    return new Promise((resolve, reject) => {
        const cam = new onvif.Cam({
            hostname: url.hostname,
            port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
            path: url.pathname,
            useSecure: url.protocol === 'https:',
            username: source.username,
            password: asWsSecurityPassword(source.password),
            timeout: timeoutMs,
            // the address we were given reaches the camera; the ones it reports may not (NAT, a second interface)
            preserveAddress: true,
        }, (err) => (err ? reject(err) : resolve(cam)));
    });
}
/**
 * The onvif client hashes the WS-Security password as 'ascii' (one byte per UTF-16 unit), which
 * breaks a password like "Vị Tân"; ONVIF hashes its UTF-8 bytes. Handing it the UTF-8 bytes as a
 * latin1 string makes the client hash exactly those bytes.
 */
function asWsSecurityPassword(password) {
    return /^[\x00-\x7f]*$/.test(password) ? password : Buffer.from(password, 'utf8').toString('latin1');
}
function ask(call) {
    return new Promise((resolve, reject) => call((err, data) => (err ? reject(err) : resolve(data))));
}
function profileTokenOf(profile) {
    return profile?.$?.token ?? profile?.token;
}
function pickProfile(profiles, source) {
    const list = Array.isArray(profiles) ? profiles : profiles ? [profiles] : [];
    const profile = source.profileToken ? list.find((p) => profileTokenOf(p) === source.profileToken) : list.find((p) => profileTokenOf(p));
    if (!profile) {
        const known = list.map(profileTokenOf).filter(Boolean).join(', ') || 'none';
        throw new CameraSourceError('no-profile', source.xaddr, source.profileToken ? `profile "${source.profileToken}" not found (the camera has: ${known})` : 'the camera lists no media profile');
    }
    return profile;
}
//# sourceMappingURL=resolve.js.map