export declare const cameraSourceErrorCodes: readonly ["unreachable", "unauthorized", "no-profile", "bad-response", "foreign-host"];
export type CameraSourceErrorCode = (typeof cameraSourceErrorCodes)[number];
/**
 * A camera could not be resolved or read. `code` says what a technician should check; the message
 * names the camera's address with any password masked, and never contains credentials.
 */
export declare class CameraSourceError extends Error {
    readonly code: CameraSourceErrorCode;
    /** The camera's address, credentials masked. */
    readonly address: string;
    name: string;
    constructor(code: CameraSourceErrorCode, 
    /** The camera's address, credentials masked. */
    address: string, detail: string);
}
/** Sorts an error of the onvif client, of fetch or of node's sockets into one of our codes. */
export declare function classifyCameraError(err: unknown, address: string): CameraSourceError;
//# sourceMappingURL=errors.d.ts.map