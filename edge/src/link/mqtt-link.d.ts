import { EventEmitter } from 'node:events';
import { type BackoffOptions, type Logger } from '@smart-commune/shared/runtime';
import type { Credentials, EdgeConfig } from '../config.js';
import type { StateStore } from '../db/state.js';
export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'refused' | 'stopped';
export interface LinkStatus {
    state: LinkState;
    since: number;
    lastError: string | null;
    reconnects: number;
}
export type Handler = (topic: string, payload: Buffer) => void;
export interface MqttLinkOptions {
    config: EdgeConfig;
    /** Read before every connection attempt, so rotated or re-provisioned credentials take effect. */
    credentials(): Credentials;
    state: StateStore;
    logger: Logger;
    backoff?: BackoffOptions;
    keepaliveS?: number;
}
/**
 * The box's one MQTT connection: authenticated with its own credentials, retained availability
 * with a last will of offline, reconnection with exponential backoff and jitter so a fleet coming
 * back after an outage does not hit the broker in lock step.
 */
export declare class MqttLink extends EventEmitter<{
    connected: [];
    disconnected: [];
}> {
    private readonly options;
    private client;
    private readonly handlers;
    private readonly backoff;
    private reconnectTimer;
    private stopping;
    private connectionStartedAt;
    private status;
    constructor(options: MqttLinkOptions);
    get connected(): boolean;
    get reconnects(): number;
    start(): void;
    private scheduleReconnect;
    subscribe(filter: string, handler: Handler): void;
    /** Publishes now; rejects when not connected so callers (the outbox) keep the message. */
    publish(topic: string, payload: string, options: {
        qos: 0 | 1;
        retain?: boolean;
    }): Promise<void>;
    getStatus(): LinkStatus;
    /** Says offline (retained) and disconnects cleanly. */
    stop(): Promise<void>;
    private setStatus;
}
//# sourceMappingURL=mqtt-link.d.ts.map