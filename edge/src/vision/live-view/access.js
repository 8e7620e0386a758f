import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
/** Name of the session cookie a successful login sets. */
export const SESSION_COOKIE = 'sc_live';
export const SESSION_TTL_MS = 12 * 3600_000;
/** Failed logins from one address within the window before it must wait for the window to pass. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 10 * 60_000;
export const MIN_PASSWORD_LENGTH = 8;
const digest = (s) => createHash('sha256').update(s, 'utf8').digest();
/**
 * Who may watch: whoever knows the box's live-view password. A browser logs in once with a form and
 * gets an HttpOnly, SameSite=Strict session cookie (which also rides on the websocket upgrade); tools
 * send `Authorization: Bearer <password>`. Repeated wrong passwords from one address are refused
 * for a while. Sessions live in memory: a restart or a new password logs everyone out.
 */
export class LiveViewAccess {
    sessions = new Map();
    failures = new Map();
    password;
    constructor(password) {
        this.password = LiveViewAccess.check(password);
    }
    static check(password) {
        if (password.length < MIN_PASSWORD_LENGTH) {
            throw new RangeError(`live view: the password must have at least ${MIN_PASSWORD_LENGTH} characters (mật khẩu xem trực tiếp quá ngắn)`);
        }
        return digest(password);
    }
    /** A new password: every session ends. */
    setPassword(password) {
        this.password = LiveViewAccess.check(password);
        this.sessions.clear();
    }
    matches(candidate) {
        return timingSafeEqual(digest(candidate), this.password);
    }
    /** Whether the request carries a valid session cookie or the password as a bearer token. */
    allows(req, now = Date.now()) {
        const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        if (bearer !== undefined)
            return this.matches(bearer.trim());
        const session = cookieValue(req.headers.cookie, SESSION_COOKIE);
        const expires = session ? this.sessions.get(session) : undefined;
        if (expires === undefined)
            return false;
        if (expires > now)
            return true;
        this.sessions.delete(session);
        return false;
    }
    /** Too many wrong passwords from this address lately. */
    throttled(address, now = Date.now()) {
        const f = this.failures.get(address);
        if (f && now - f.since > FAILURE_WINDOW_MS)
            this.failures.delete(address);
        return (this.failures.get(address)?.count ?? 0) >= MAX_FAILURES;
    }
    /** Checks a login; a session id when the password is right. */
    login(address, password, now = Date.now()) {
        if (!this.matches(password)) {
            const f = this.failures.get(address) ?? { count: 0, since: now };
            f.count++;
            this.failures.set(address, f);
            return undefined;
        }
        this.failures.delete(address);
        for (const [id, expires] of this.sessions)
            if (expires <= now)
                this.sessions.delete(id);
        const id = randomBytes(24).toString('base64url');
        this.sessions.set(id, now + SESSION_TTL_MS);
        return id;
    }
    logout(req) {
        const session = cookieValue(req.headers.cookie, SESSION_COOKIE);
        if (session)
            this.sessions.delete(session);
    }
    clear() {
        this.sessions.clear();
        this.failures.clear();
    }
}
export function cookieValue(header, name) {
    for (const part of (header ?? '').split(';')) {
        const [key, ...rest] = part.trim().split('=');
        if (key === name)
            return rest.join('=');
    }
    return undefined;
}
export function sessionCookie(id, maxAgeMs = SESSION_TTL_MS) {
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}
//# sourceMappingURL=access.js.map