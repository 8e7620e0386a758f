import type { CameraSource } from '@smart-commune/shared';
export interface ResolvedCamera {
    /** The RTSP URL to read, credentials inserted (mask it before logging: maskCredentials). */
    streamUrl: string;
    /** The camera's JPEG snapshot URL (no credentials: fetchSnapshot authenticates). */
    snapshotUrl?: string;
    /** Only for ONVIF cameras. */
    device?: {
        manufacturer: string;
        model: string;
        firmware: string;
    };
}
export interface ResolveOptions {
    /** The whole resolution gives up after this long (unreachable). Default 10 s. */
    timeoutMs?: number;
}
/** Inserts credentials into a URL, percent-encoded; a URL's own user info is replaced only when credentials are given. */
export declare function withCredentials(url: string, username: string | undefined, password: string | undefined): string;
/**
 * Where to read a camera: an RTSP source is used as given (credentials inserted); an ONVIF device is
 * asked for its stream (RTSP over TCP) and snapshot URIs of the configured profile (the first when
 * none is configured). Throws a CameraSourceError whose code tells what a technician should check.
 */
export declare function resolveCameraSource(source: CameraSource, options?: ResolveOptions): Promise<ResolvedCamera>;
//# sourceMappingURL=resolve.d.ts.map