export interface SnapshotCredentials {
    username: string;
    password: string;
}
export interface SnapshotOptions {
    timeoutMs?: number;
    /** Larger answers are refused; default 10 MB. */
    maxBytes?: number;
}
/**
 * The camera's current picture as JPEG bytes. Authenticates as the camera asks on a 401: HTTP Digest
 * (RFC 7616, MD5 or SHA-256, qop=auth or none) or Basic; credentials are never sent before the challenge.
 */
export declare function fetchSnapshot(snapshotUrl: string, credentials: SnapshotCredentials | undefined, options?: SnapshotOptions): Promise<Buffer>;
/** Splits `key=value, key="quoted, value"` lists of an authentication challenge. */
export declare function parseChallenge(header: string): {
    scheme: string;
    params: Record<string, string>;
};
export declare function authorizationFor(challenge: string, { username, password }: SnapshotCredentials, method: string, url: string): string;
//# sourceMappingURL=snapshot.d.ts.map