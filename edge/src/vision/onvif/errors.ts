import { maskCredentials } from '../frames.js';

export const cameraSourceErrorCodes = ['unreachable', 'unauthorized', 'no-profile', 'bad-response', 'foreign-host'] as const;
export type CameraSourceErrorCode = (typeof cameraSourceErrorCodes)[number];

/** What a technician reads first (Vietnamese), then English for logs and support. */
const ADVICE: Record<CameraSourceErrorCode, string> = {
  unreachable: 'Không kết nối được camera: kiểm tra nguồn điện, dây mạng và địa chỉ (camera unreachable)',
  unauthorized: 'Camera từ chối tên đăng nhập hoặc mật khẩu (camera refused the username or password)',
  'no-profile': 'Camera không có cấu hình luồng video phù hợp (camera has no matching media profile)',
  'bad-response': 'Camera trả lời không đúng chuẩn (camera gave an unexpected answer)',
  'foreign-host':
    'Camera đưa địa chỉ video hoặc ảnh thuộc một máy khác, không phải chính camera; tủ không gửi mật khẩu tới đó: kiểm tra camera và mạng (camera points to another host)',
};

/**
 * A camera could not be resolved or read. `code` says what a technician should check; the message
 * names the camera's address with any password masked, and never contains credentials.
 */
export class CameraSourceError extends Error {
  override name = 'CameraSourceError';

  constructor(
    readonly code: CameraSourceErrorCode,
    /** The camera's address, credentials masked. */
    readonly address: string,
    detail: string,
  ) {
    super(`${ADVICE[code]}: ${maskCredentials(address)}${detail ? ` — ${maskCredentials(detail)}` : ''}`);
  }
}

const UNREACHABLE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNRESET|EPIPE|socket hang up|Network timeout|timed out/i;
const UNAUTHORIZED = /NotAuthorized|not Authorized|authentication failed|\b401\b|\b403\b|Unauthorized/i;
const NO_PROFILE = /NoProfile|no profile/i;

/** Sorts an error of the onvif client, of fetch or of node's sockets into one of our codes. */
export function classifyCameraError(err: unknown, address: string): CameraSourceError {
  if (err instanceof CameraSourceError) return err;
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const text = [e?.code, e?.message, e?.cause?.code, e?.cause?.message].filter(Boolean).join(' ') || String(err);
  const code: CameraSourceErrorCode = UNAUTHORIZED.test(text) ? 'unauthorized' : UNREACHABLE.test(text) ? 'unreachable' : NO_PROFILE.test(text) ? 'no-profile' : 'bad-response';
  return new CameraSourceError(code, address, text);
}
