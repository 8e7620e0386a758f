export const PLAYER_PATH = '/assets/jsmpeg-player.min.js';
export const CLIENT_PATH = '/assets/live-view.js';
export const streamPath = (cameraId) => `/cameras/${encodeURIComponent(cameraId)}/stream`;
export const cameraPath = (cameraId) => `/cameras/${encodeURIComponent(cameraId)}`;
const ZONE_COLOURS = ['#ffd400', '#00e5ff', '#ff4fd8', '#7dff4f', '#ff8a00', '#a98bff'];
export function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
const STYLE = `
body{margin:0;font-family:system-ui,sans-serif;background:#111;color:#eee}
header{display:flex;gap:1rem;align-items:center;padding:.5rem 1rem;background:#222}
header h1{font-size:1.1rem;margin:0;flex:1}
a{color:#8cf}
main{padding:1rem;max-width:1280px;margin:auto}
.stage{position:relative;width:100%;background:#000}
.stage canvas{display:block;width:100%;height:auto}
.stage svg{position:absolute;inset:0;width:100%;height:100%;pointer-events:none}
.stage .label{position:absolute;transform:translate(-50%,-50%);font-size:.85rem;font-weight:600;text-shadow:0 0 3px #000,0 0 3px #000;pointer-events:none}
#status{margin:.5rem 0;color:#bbb}
ul.cameras{list-style:none;padding:0}ul.cameras li{margin:.5rem 0;font-size:1.1rem}
form.login{display:flex;flex-direction:column;gap:.75rem;max-width:320px;margin:3rem auto}
input,button{font-size:1rem;padding:.5rem}
.error{color:#ff8080}
`;
function layout(title, body, options = {}) {
    return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Xem trực tiếp</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>${options.logout ? '<form method="post" action="/logout"><button type="submit">Đăng xuất</button></form>' : ''}</header>
<main>${body}</main>
${options.script ? `<script src="${PLAYER_PATH}"></script>\n<script src="${CLIENT_PATH}"></script>` : ''}
</body>
</html>
`;
}
export function loginPage(options = {}) {
    return layout('Xem camera trực tiếp', `<form class="login" method="post" action="/login">
<label for="password">Mật khẩu xem trực tiếp của tủ</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escapeHtml(options.next ?? '/')}">
${options.error ? `<p class="error">${escapeHtml(options.error)}</p>` : ''}
<button type="submit">Đăng nhập</button>
</form>`);
}
export function camerasPage(cameras) {
    const items = cameras.length
        ? cameras.map((c) => `<li><a href="${cameraPath(c.id)}">${escapeHtml(c.name)}</a> <small>(${escapeHtml(c.id)}, ${c.zones.length} vùng)</small></li>`).join('\n')
        : '<li>Tủ chưa có camera nào được cấu hình.</li>';
    return layout('Camera của tủ', `<ul class="cameras">\n${items}\n</ul>`, { logout: true });
}
const pointList = (zone) => zone.polygon.map(([x, y]) => `${x},${y}`).join(' ');
const centroid = (zone) => {
    const n = zone.polygon.length;
    return zone.polygon.reduce(([sx, sy], [x, y]) => [sx + x / n, sy + y / n], [0, 0]);
};
/** The camera's live picture with its zones drawn over it (normalised polygons on a 1×1 view box). */
export function cameraPage(camera) {
    const polygons = camera.zones
        .map((zone, i) => {
        const colour = ZONE_COLOURS[i % ZONE_COLOURS.length];
        return `<polygon data-zone="${escapeHtml(zone.id)}" points="${pointList(zone)}" fill="${colour}" fill-opacity="0.15" stroke="${colour}" stroke-width="2" vector-effect="non-scaling-stroke"/>`;
    })
        .join('\n');
    const labels = camera.zones
        .map((zone, i) => {
        const [x, y] = centroid(zone);
        return `<div class="label" style="left:${(x * 100).toFixed(2)}%;top:${(y * 100).toFixed(2)}%;color:${ZONE_COLOURS[i % ZONE_COLOURS.length]}">${escapeHtml(zone.name)}</div>`;
    })
        .join('\n');
    return layout(camera.name, `<p><a href="/">← Tất cả camera</a></p>
<div class="stage" id="live" data-stream="${escapeHtml(streamPath(camera.id))}">
<canvas id="video" width="640" height="480"></canvas>
<svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-label="Các vùng giám sát">
${polygons}
</svg>
${labels}
</div>
<p id="status">Đang kết nối tới camera…</p>
<p>${camera.zones.length ? `Vùng giám sát: ${camera.zones.map((z) => escapeHtml(z.name)).join(', ')}` : 'Camera này chưa có vùng giám sát.'}</p>`, { logout: true, script: true });
}
/** Starts the player on the page's canvas; the player reconnects by itself when the stream ends. */
export const CLIENT_SCRIPT = `'use strict';
(function () {
  var stage = document.getElementById('live');
  var status = document.getElementById('status');
  var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + stage.dataset.stream;
  var player = new JSMpeg.Player(url, {
    canvas: document.getElementById('video'),
    audio: false,
    pauseWhenHidden: false,
    reconnectInterval: 3,
    videoBufferSize: 1024 * 1024,
    onSourceEstablished: function () { status.textContent = 'Đang phát trực tiếp'; },
    onStalled: function () { status.textContent = 'Đang chờ hình từ camera…'; }
  });
  window.addEventListener('pagehide', function () { player.destroy(); });
})();
`;
//# sourceMappingURL=page.js.map