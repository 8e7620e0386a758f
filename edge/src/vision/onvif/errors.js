import { maskCredentials } from '../frames.js';
export const cameraSourceErrorCodes = ['unreachable', 'unauthorized', 'no-profile', 'bad-response', 'foreign-host'];
/** What a technician reads first (Vietnamese), then English for logs and support. */
const ADVICE = {
    unreachable: 'Không kết nối được camera: kiểm tra nguồn điện, dây mạng và địa chỉ (camera unreachable)',
    unauthorized: 'Camera từ chối tên đăng nhập hoặc mật khẩu (camera refused the username or password)',
    'no-profile': 'Camera không có cấu hình luồng video phù hợp (camera has no matching media profile)',
    'bad-response': 'Camera trả lời không đúng chuẩn (camera gave an unexpected answer)',
    'foreign-host': 'Camera đưa địa chỉ video hoặc ảnh thuộc một máy khác, không phải chính camera; tủ không gửi mật khẩu tới đó: kiểm tra camera và mạng (camera points to another host)',
};
/**
 * A camera could not be resolved or read. `code` says what a technician should check; the message
 * names the camera's address with any password masked, and never contains credentials.
 */
export class CameraSourceError extends Error {
    code;
    address;
    name = 'CameraSourceError';
    constructor(code, 
    /** The camera's address, credentials masked. */
    address, detail) {
        super(`${ADVICE[code]}: ${maskCredentials(address)}${detail ? ` — ${maskCredentials(detail)}` : ''}`);
        this.code = code;
        this.address = address;
    }
}
const UNREACHABLE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNRESET|EPIPE|socket hang up|Network timeout|timed out/i;
const UNAUTHORIZED = /NotAuthorized|not Authorized|authentication failed|\b401\b|\b403\b|Unauthorized/i;
const NO_PROFILE = /NoProfile|no profile/i;
/** Sorts an error of the onvif client, of fetch or of node's sockets into one of our codes. */
export function classifyCameraError(err, address) {
    if (err instanceof CameraSourceError)
        return err;
    const e = err;
    const text = [e?.code, e?.message, e?.cause?.code, e?.cause?.message].filter(Boolean).join(' ') || String(err);
    const code = UNAUTHORIZED.test(text) ? 'unauthorized' : UNREACHABLE.test(text) ? 'unreachable' : NO_PROFILE.test(text) ? 'no-profile' : 'bad-response';
    return new CameraSourceError(code, address, text);
}
//# sourceMappingURL=errors.js.map