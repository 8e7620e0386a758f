import type { ZoneSettings } from '@smart-commune/shared';
/** What the live view shows of a camera. */
export interface LiveCamera {
    id: string;
    name: string;
    /** RTSP URL with credentials (never sent to the browser). */
    streamUrl: string;
    zones: ZoneSettings[];
}
export declare const PLAYER_PATH = "/assets/jsmpeg-player.min.js";
export declare const CLIENT_PATH = "/assets/live-view.js";
export declare const streamPath: (cameraId: string) => string;
export declare const cameraPath: (cameraId: string) => string;
export declare function escapeHtml(text: string): string;
export declare function loginPage(options?: {
    error?: string;
    next?: string;
}): string;
export declare function camerasPage(cameras: LiveCamera[]): string;
/** The camera's live picture with its zones drawn over it (normalised polygons on a 1×1 view box). */
export declare function cameraPage(camera: LiveCamera): string;
/** Starts the player on the page's canvas; the player reconnects by itself when the stream ends. */
export declare const CLIENT_SCRIPT = "'use strict';\n(function () {\n  var stage = document.getElementById('live');\n  var status = document.getElementById('status');\n  var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + stage.dataset.stream;\n  var player = new JSMpeg.Player(url, {\n    canvas: document.getElementById('video'),\n    audio: false,\n    pauseWhenHidden: false,\n    reconnectInterval: 3,\n    videoBufferSize: 1024 * 1024,\n    onSourceEstablished: function () { status.textContent = '\u0110ang ph\u00E1t tr\u1EF1c ti\u1EBFp'; },\n    onStalled: function () { status.textContent = '\u0110ang ch\u1EDD h\u00ECnh t\u1EEB camera\u2026'; }\n  });\n  window.addEventListener('pagehide', function () { player.destroy(); });\n})();\n";
//# sourceMappingURL=page.d.ts.map