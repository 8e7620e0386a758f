import type { IncomingMessage } from 'node:http';
/** Name of the session cookie a successful login sets. */
export declare const SESSION_COOKIE = "sc_live";
export declare const SESSION_TTL_MS: number;
export declare const MIN_PASSWORD_LENGTH = 8;
/**
 * Who may watch: whoever knows the box's live-view password. A browser logs in once with a form and
 * gets an HttpOnly, SameSite=Strict session cookie (which also rides on the websocket upgrade); tools
 * send `Authorization: Bearer <password>`. Repeated wrong passwords from one address are refused
 * for a while. Sessions live in memory: a restart or a new password logs everyone out.
 */
export declare class LiveViewAccess {
    private readonly sessions;
    private readonly failures;
    private password;
    constructor(password: string);
    private static check;
    /** A new password: every session ends. */
    setPassword(password: string): void;
    matches(candidate: string): boolean;
    /** Whether the request carries a valid session cookie or the password as a bearer token. */
    allows(req: IncomingMessage, now?: number): boolean;
    /** Too many wrong passwords from this address lately. */
    throttled(address: string, now?: number): boolean;
    /** Checks a login; a session id when the password is right. */
    login(address: string, password: string, now?: number): string | undefined;
    logout(req: IncomingMessage): void;
    clear(): void;
}
export declare function cookieValue(header: string | undefined, name: string): string | undefined;
export declare function sessionCookie(id: string, maxAgeMs?: number): string;
//# sourceMappingURL=access.d.ts.map