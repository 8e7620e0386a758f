import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { networkInterfaces } from 'node:os';
import { WebSocketServer } from 'ws';
import { LiveViewAccess, sessionCookie } from './access.js';
import { cameraPage, camerasPage, CLIENT_PATH, CLIENT_SCRIPT, loginPage, PLAYER_PATH } from './page.js';
import { CameraRelay } from './relay.js';
const require = createRequire(import.meta.url);
const PLAYER_FILE = require.resolve('@cycjimmy/jsmpeg-player').replace(/jsmpeg-player\.cjs$/, 'jsmpeg-player.umd.min.js');
const STREAM_ROUTE = /^\/cameras\/([^/]+)\/stream$/;
const CAMERA_ROUTE = /^\/cameras\/([^/]+)$/;
const MAX_FORM_BYTES = 4096;
const SECURITY_HEADERS = {
    // JSMpeg inserts its own <style> and compiles its WebAssembly decoder
    'Content-Security-Policy': "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
};
function send(res, status, type, body, headers = {}) {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
}
const html = (res, status, body, headers = {}) => send(res, status, 'text/html; charset=utf-8', body, { 'Cache-Control': 'no-store', ...headers });
const redirect = (res, location, headers = {}) => send(res, 303, 'text/plain; charset=utf-8', '', { Location: location, ...headers });
/** A local path to go back to after login; anything else (another site) becomes '/'. */
function localPath(next) {
    return next && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/';
}
function readForm(req) {
    return new Promise((resolve, reject) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk) => {
            body += chunk;
            if (body.length > MAX_FORM_BYTES) {
                reject(new Error('form too large'));
                req.destroy();
            }
        });
        req.once('end', () => resolve(new URLSearchParams(body)));
        req.once('error', reject);
    });
}
function decodeId(raw) {
    try {
        return decodeURIComponent(raw);
    }
    catch {
        return undefined;
    }
}
/**
 * The live view a technician opens from the cabinet LAN to aim a camera and check its zones: a small
 * Vietnamese page per camera with JSMpeg (served from this box, no CDN) and the zones drawn over the
 * picture, and a websocket per camera relaying its stream as MPEG-1 (ffmpeg only while watched).
 * Every page and stream needs the box's live-view password (session cookie or Bearer).
 */
export async function startLiveView(options) {
    const access = new LiveViewAccess(options.password);
    const log = options.logger.child({ component: 'live-view' });
    const relays = new Map();
    const player = await readFile(PLAYER_FILE);
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
    const findCamera = (id) => (id === undefined ? undefined : options.cameras().find((c) => c.id === id));
    const relayFor = async (camera) => {
        const current = relays.get(camera.id);
        if (current?.streamUrl === camera.streamUrl)
            return current;
        relays.delete(camera.id);
        await current?.close(1012, 'camera changed');
        const relay = new CameraRelay(camera.id, camera.streamUrl, { width: options.width ?? 640, bitrate: options.bitrate ?? '1000k', ffmpegPath: options.ffmpegPath, logger: log });
        relays.set(camera.id, relay);
        return relay;
    };
    const handle = async (req, res) => {
        const url = new URL(req.url ?? '/', 'http://live-view');
        const path = url.pathname;
        if (req.method === 'GET' && path === PLAYER_PATH)
            return send(res, 200, 'text/javascript; charset=utf-8', player, { 'Cache-Control': 'max-age=86400' });
        if (req.method === 'GET' && path === CLIENT_PATH)
            return send(res, 200, 'text/javascript; charset=utf-8', CLIENT_SCRIPT, { 'Cache-Control': 'no-cache' });
        if (req.method === 'GET' && path === '/login')
            return html(res, 200, loginPage({ next: localPath(url.searchParams.get('next')) }));
        if (req.method === 'POST' && path === '/login') {
            const address = req.socket.remoteAddress ?? '';
            if (access.throttled(address)) {
                log.warn({ address }, 'live view: login refused, too many wrong passwords');
                return html(res, 429, loginPage({ error: 'Sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 10 phút.' }));
            }
            const form = await readForm(req);
            const session = access.login(address, form.get('password') ?? '');
            if (!session) {
                log.warn({ address }, 'live view: wrong password');
                return html(res, 401, loginPage({ error: 'Mật khẩu không đúng.', next: localPath(form.get('next')) }));
            }
            log.info({ address }, 'live view: technician logged in');
            return redirect(res, localPath(form.get('next')), { 'Set-Cookie': sessionCookie(session) });
        }
        if (!access.allows(req)) {
            // a browser goes to the login form; a tool (it sent credentials) gets the 401
            if (req.method === 'GET' && !req.headers.authorization && !STREAM_ROUTE.test(path))
                return redirect(res, `/login?next=${encodeURIComponent(path)}`);
            return send(res, 401, 'text/plain; charset=utf-8', 'Cần đăng nhập (login required)\n', { 'WWW-Authenticate': 'Bearer realm="live-view"' });
        }
        if (req.method === 'POST' && path === '/logout') {
            access.logout(req);
            return redirect(res, '/login', { 'Set-Cookie': sessionCookie('', 0) });
        }
        if (req.method === 'GET' && path === '/')
            return html(res, 200, camerasPage(options.cameras()));
        const cameraMatch = req.method === 'GET' ? CAMERA_ROUTE.exec(path) : null;
        const camera = cameraMatch ? findCamera(decodeId(cameraMatch[1])) : undefined;
        if (camera)
            return html(res, 200, cameraPage(camera));
        return send(res, 404, 'text/plain; charset=utf-8', 'Không tìm thấy (not found)\n');
    };
    const refuseUpgrade = (socket, status) => {
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const upgrade = async (req, socket, head) => {
        const url = new URL(req.url ?? '/', 'http://live-view');
        // a page of another site must not open the stream with the technician's cookie
        const origin = req.headers.origin;
        if (origin !== undefined && new URL(origin, 'http://invalid').host !== req.headers.host)
            return refuseUpgrade(socket, '403 Forbidden');
        if (!access.allows(req))
            return refuseUpgrade(socket, '401 Unauthorized');
        const match = STREAM_ROUTE.exec(url.pathname);
        const camera = match ? findCamera(decodeId(match[1])) : undefined;
        if (!camera)
            return refuseUpgrade(socket, '404 Not Found');
        const relay = await relayFor(camera);
        wss.handleUpgrade(req, socket, head, (ws) => {
            log.info({ camera: camera.id, address: req.socket.remoteAddress }, 'live view: viewer joined');
            ws.once('close', () => log.info({ camera: camera.id }, 'live view: viewer left'));
            relay.add(ws);
        });
    };
    const server = createServer((req, res) => {
        handle(req, res).catch((err) => {
            log.warn({ err: err.message, path: req.url }, 'live view: request failed');
            if (!res.headersSent)
                send(res, 400, 'text/plain; charset=utf-8', 'Yêu cầu không hợp lệ (bad request)\n');
            else
                res.destroy();
        });
    });
    server.on('upgrade', (req, socket, head) => {
        socket.on('error', () => socket.destroy());
        upgrade(req, socket, head).catch((err) => {
            log.warn({ err: err.message }, 'live view: websocket upgrade failed');
            socket.destroy();
        });
    });
    const host = options.host ?? '0.0.0.0';
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8090, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    const port = server.address().port;
    const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    log.info({ host, port }, 'live view: listening');
    return {
        url: `http://${shownHost}:${port}/`,
        lanUrls: (host === '0.0.0.0' ? lanAddresses() : [shownHost]).map((address) => `http://${address}:${port}/`),
        port,
        updateCameras: async () => {
            const cameras = new Map(options.cameras().map((c) => [c.id, c]));
            for (const [id, relay] of relays) {
                if (cameras.get(id)?.streamUrl === relay.streamUrl)
                    continue;
                relays.delete(id);
                await relay.close(1012, 'camera changed');
            }
        },
        setPassword: (password) => access.setPassword(password),
        status: () => [...relays.values()].map((r) => ({ cameraId: r.cameraId, viewers: r.viewerCount, ffmpegPid: r.ffmpegPid })),
        stop: async () => {
            await Promise.all([...relays.values()].map((r) => r.close()));
            relays.clear();
            access.clear();
            wss.close();
            server.closeAllConnections();
            await new Promise((resolve) => server.close(() => resolve()));
        },
    };
}
/** The box's IPv4 addresses other than loopback (loopback when it has none, e.g. a bench without a LAN). */
function lanAddresses() {
    const addresses = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a?.family === 'IPv4' && !a.internal)
        .map((a) => a.address);
    return addresses.length ? addresses.slice(0, 8) : ['127.0.0.1'];
}
//# sourceMappingURL=server.js.map