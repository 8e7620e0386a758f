import { type DiscoveredCamera } from '@smart-commune/shared';
/**
 * WS-Discovery (2005/04, as ONVIF uses it): one Probe for NetworkVideoTransmitters, answers gathered
 * for the timeout. Written on dgram rather than the onvif package's Discovery, which is a process-wide
 * emitter that throws on an unanswered 'error' event (any stray datagram) and cannot pick the
 * interface a multicast probe leaves by.
 */
export declare const WS_DISCOVERY_GROUP = "239.255.255.250";
export declare const WS_DISCOVERY_PORT = 3702;
export interface DiscoverOptions {
    /** How long answers are awaited; default 3 s. */
    timeoutMs?: number;
    /** Interface name (eth0) or IPv4 address the probe leaves by; the system's choice when absent. */
    interface?: string;
    /** Where the probe goes; default the WS-Discovery group 239.255.255.250:3702 (directed probes otherwise). */
    targets?: {
        host: string;
        port: number;
    }[];
}
export declare class DiscoveryError extends Error {
    name: string;
}
export declare function probeXml(messageId: string): string;
/** The devices of one ProbeMatches answer to our probe; anything else (other probes, other answers) gives none. */
export declare function parseProbeMatches(xml: string, messageId: string, from: string): DiscoveredCamera[];
/** The ONVIF devices that answer a Probe, one per endpoint urn, in the order they answered. */
export declare function discoverCameras(options?: DiscoverOptions): Promise<DiscoveredCamera[]>;
//# sourceMappingURL=discovery.d.ts.map