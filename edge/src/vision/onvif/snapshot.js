import { createHash, randomBytes } from 'node:crypto';
import { CameraSourceError, classifyCameraError } from './errors.js';
/**
 * The camera's current picture as JPEG bytes. Authenticates as the camera asks on a 401: HTTP Digest
 * (RFC 7616, MD5 or SHA-256, qop=auth or none) or Basic; credentials are never sent before the challenge.
 */
export async function fetchSnapshot(snapshotUrl, credentials, options = {}) {
    const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
    try {
        let res = await fetch(snapshotUrl, { signal, redirect: 'follow' });
        const challenge = res.status === 401 ? res.headers.get('www-authenticate') : null;
        if (challenge && credentials) {
            await res.body?.cancel();
            const authorization = authorizationFor(challenge, credentials, 'GET', snapshotUrl);
            res = await fetch(snapshotUrl, { signal, headers: { Authorization: authorization } });
        }
        if (res.status === 401 || res.status === 403)
            throw new CameraSourceError('unauthorized', snapshotUrl, `HTTP ${res.status}`);
        if (!res.ok)
            throw new CameraSourceError('bad-response', snapshotUrl, `HTTP ${res.status}`);
        const bytes = await readLimited(res, options.maxBytes ?? 10_000_000, snapshotUrl);
        if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
            throw new CameraSourceError('bad-response', snapshotUrl, `not a JPEG (${res.headers.get('content-type') ?? 'no content type'}, ${bytes.length} bytes)`);
        }
        return bytes;
    }
    catch (err) {
        if (err.name === 'TimeoutError')
            throw new CameraSourceError('unreachable', snapshotUrl, 'no snapshot in time');
        throw classifyCameraError(err, snapshotUrl);
    }
}
async function readLimited(res, maxBytes, url) {
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxBytes)
        throw new CameraSourceError('bad-response', url, `snapshot of ${declared} bytes is larger than ${maxBytes}`);
    const chunks = [];
    let total = 0;
    for await (const chunk of res.body ?? []) {
        total += chunk.length;
        if (total > maxBytes)
            throw new CameraSourceError('bad-response', url, `snapshot larger than ${maxBytes} bytes`);
        chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
}
/** Splits `key=value, key="quoted, value"` lists of an authentication challenge. */
export function parseChallenge(header) {
    const scheme = /^\s*(\S+)/.exec(header)?.[1]?.toLowerCase() ?? '';
    const params = {};
    const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
    for (const m of header.replace(/^\s*\S+/, '').matchAll(re))
        params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    return { scheme, params };
}
export function authorizationFor(challenge, { username, password }, method, url) {
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic')
        return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (scheme !== 'digest' || !params.nonce)
        throw new CameraSourceError('bad-response', url, `unsupported authentication "${challenge.slice(0, 80)}"`);
    const algorithm = (params.algorithm ?? 'MD5').toUpperCase();
    const hashName = algorithm === 'MD5' ? 'md5' : algorithm === 'SHA-256' ? 'sha256' : null;
    if (!hashName)
        throw new CameraSourceError('bad-response', url, `unsupported Digest algorithm ${algorithm}`);
    const h = (s) => createHash(hashName).update(s, 'utf8').digest('hex');
    const { pathname, search } = new URL(url);
    const uri = `${pathname}${search}`;
    const realm = params.realm ?? '';
    const ha1 = h(`${username}:${realm}:${password}`);
    const ha2 = h(`${method}:${uri}`);
    const qop = params.qop?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
    const cnonce = randomBytes(8).toString('hex');
    const nc = '00000001';
    const response = qop ? h(`${ha1}:${params.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${params.nonce}:${ha2}`);
    const quote = (s) => `"${s.replace(/(["\\])/g, '\\$1')}"`;
    const fields = [
        `username=${quote(username)}`,
        `realm=${quote(realm)}`,
        `nonce=${quote(params.nonce)}`,
        `uri=${quote(uri)}`,
        `algorithm=${algorithm}`,
        `response=${quote(response)}`,
        ...(params.opaque !== undefined ? [`opaque=${quote(params.opaque)}`] : []),
        ...(qop ? [`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`] : []),
    ];
    return `Digest ${fields.join(', ')}`;
}
//# sourceMappingURL=snapshot.js.map