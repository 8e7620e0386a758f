import type { Speaker } from '@smart-commune/shared';
import type { DriverOptions, SpeakerDriver, SpeakerHealth } from './types.js';
import { HealthPoller } from './health.js';
/** RTP dynamic payload type used for L16/48000/1 (RFC 3551 §6: 96–127 are dynamic, described by SDP). */
export declare const RTP_PAYLOAD_TYPE = 96;
export declare function parseTarget(target: string): {
    host: string;
    port: number;
};
/** SDP (RFC 4566) of one L16 mono 48 kHz stream: `ffplay -protocol_whitelist file,udp,rtp x.sdp` plays it. */
export declare function rtpSdp(opts: {
    host: string;
    port: number;
    name: string;
    payloadType?: number;
}): string;
/**
 * An RTP sender (RFC 3550) of L16/48000/1 (RFC 3551: 16-bit big-endian) over UDP. One SSRC for the
 * sender's life; each item is a talkspurt: marker bit on its first packet and a timestamp that jumps
 * to the media clock (derived from the monotonic clock), so a receiver can tell items apart and
 * schedule them at their real distance. Packets leave when send() is called: the caller paces.
 */
export declare class RtpSender {
    readonly host: string;
    readonly port: number;
    readonly payloadType: number;
    readonly ssrc: number;
    private readonly socket;
    private seq;
    /** Next RTP timestamp, unwrapped. */
    private ts;
    private readonly tsOrigin;
    private readonly hrOrigin;
    private marker;
    private pending;
    private drained;
    packetsSent: number;
    lastError: string | null;
    constructor(host: string, port: number, payloadType?: number);
    /** The next packet starts a talkspurt (an item). */
    beginTalkspurt(): void;
    /** Sends one packet carrying this s16le PCM (converted to network byte order). */
    send(pcm: Buffer): void;
    /** Closes after the packets already handed to the socket have left. */
    close(): Promise<void>;
}
/** An IP loudspeaker fed with RTP; health from its statusUrl when it has one (any 2xx is healthy). */
export declare class RtpDriver implements SpeakerDriver {
    readonly speaker: Speaker;
    protected readonly options: DriverOptions;
    protected sender: RtpSender | null;
    protected readonly poller: HealthPoller | null;
    readonly host: string;
    readonly port: number;
    sdpPath: string | null;
    constructor(speaker: Speaker, options?: DriverOptions, interpret?: 'http' | 'sim');
    open(): Promise<void>;
    beginItem(): void;
    write(pcm: Buffer): void;
    endItem(): void;
    health(): SpeakerHealth;
    checkHealth(): Promise<SpeakerHealth>;
    close(): Promise<void>;
}
//# sourceMappingURL=rtp.d.ts.map