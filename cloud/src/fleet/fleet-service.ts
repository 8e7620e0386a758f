import {
  estimateClockOffset,
  documentNames,
  type ClaimRequest,
  type ClaimResponse,
  type ReleasePublicKey,
  type CommandRequest,
  type CommandResponse,
  type ConfigBody,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { BrokerLink } from '../broker/link.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ApiError, conflict } from '../http/errors.js';
import type { AccountGate } from './account-gate.js';
import type { ClaimTokens, IssuedClaimToken } from './claim-tokens.js';
import type { CommandClient } from './commands.js';
import type { DeviceCredentials } from './device-credentials.js';
import type { Documents } from './documents.js';
import type { Edge, EdgeStore } from './edge-store.js';
import type { Presence } from './presence.js';

export interface FleetServiceDeps {
  edges: EdgeStore;
  tokens: ClaimTokens;
  credentials: DeviceCredentials;
  documents: Documents;
  commands: CommandClient;
  presence: Presence;
  broker: BrokerLink;
  /** Claims, rotations, revocations and deletions are published for whoever keeps an external broker's accounts. */
  bus: DomainEventBus;
  logger: Logger;
  defaultConfig: ConfigBody;
  /** Release public keys handed to a box when it is claimed (none: the field is left out). */
  releaseKeys?: () => ReleasePublicKey[];
  /** With an external Mosquitto: a claim's and a rotation's answer wait (bounded) for the box's account there. */
  accountGate?: AccountGate;
}

export interface ClaimUrls {
  cloudUrl: string;
  mqttUrl: string;
}

export type RotationResult =
  | { mode: 'live'; confirmed: true }
  | { mode: 'claim'; claimToken: IssuedClaimToken };

const releaseKeysField = (keys: ReleasePublicKey[]) => (keys.length > 0 ? { releaseKeys: keys } : {});

/** What technicians do to boxes: claim, revoke, rotate, ping, configure. */
export class FleetService {
  constructor(private readonly deps: FleetServiceDeps) {}

  async claim(request: ClaimRequest, urls: ClaimUrls): Promise<ClaimResponse> {
    const { tokens, credentials, edges, documents, broker, logger } = this.deps;
    const edgeId = await tokens.consume(request.token);
    await tokens.invalidateFor(edgeId); // any other token issued for this box stops working once it is claimed
    const secret = await credentials.issue(edgeId, request.hostname ?? null);
    this.deps.bus.publish('edge.claimed', { edgeId, at: Date.now() });
    // started now, awaited before answering: the box connects right after the answer and must be let in the first time
    const accountApplied = this.deps.accountGate?.settle(edgeId, 'claim');
    broker.disconnectEdge(edgeId); // a box being replaced stops using the old credentials at once
    const edge = await edges.get(edgeId);
    const config = (await documents.get(edgeId, 'config')) ?? (await documents.set(edgeId, 'config', this.deps.defaultConfig));
    await documents.republishEdge(edgeId); // revocation cleared the retained documents
    await accountApplied;
    logger.info({ edgeId, hamlet: edge.hamletCode, hostname: request.hostname }, 'edge box claimed');
    return {
      edgeId,
      name: edge.name,
      hamletCode: edge.hamletCode,
      mqtt: { url: urls.mqttUrl, username: edgeId, password: secret },
      cloudUrl: urls.cloudUrl,
      telemetryIntervalS: config.body.telemetryIntervalS,
      ...releaseKeysField(this.deps.releaseKeys?.() ?? []),
    };
  }

  async issueClaimToken(edgeId: string, createdBy: string | null, ttlMs?: number): Promise<IssuedClaimToken> {
    const edge = await this.deps.edges.get(edgeId);
    this.deps.logger.info({ edgeId, hamlet: edge.hamletCode, createdBy }, 'claim token issued');
    return this.deps.tokens.issue(edgeId, createdBy, ttlMs);
  }

  /** Refuses the box's credentials and claim tokens and drops its connection at once. */
  async revoke(edgeId: string): Promise<Edge> {
    const { edges, credentials, tokens, broker, presence, documents, logger } = this.deps;
    await edges.get(edgeId);
    await credentials.revoke(edgeId);
    this.deps.bus.publish('edge.revoked', { edgeId, at: Date.now(), reason: 'revoked' });
    await tokens.invalidateFor(edgeId);
    broker.disconnectEdge(edgeId);
    await presence.markOffline(edgeId, 'revoked');
    await documents.clear(edgeId, documentNames);
    logger.warn({ edgeId }, 'edge box revoked');
    return edges.get(edgeId);
  }

  async delete(edgeId: string): Promise<void> {
    await this.revoke(edgeId);
    await this.deps.edges.delete(edgeId);
    this.deps.bus.publish('edge.deleted', { edgeId, at: Date.now() });
  }

  /**
   * New credentials. An online box receives them over MQTT and confirms before the old ones stop
   * working; an offline box can only get them by being claimed again, so it gets a claim token.
   */
  async rotate(edgeId: string, requestedBy: string | null): Promise<RotationResult> {
    const { edges, credentials, commands, broker, tokens, logger } = this.deps;
    const edge = await edges.get(edgeId);
    if (edge.status !== 'active') throw conflict(`edge ${edgeId} is ${edge.status}: issue a claim token instead`);
    if (!edge.online) {
      await credentials.revoke(edgeId);
      this.deps.bus.publish('edge.revoked', { edgeId, at: Date.now(), reason: 'rotated_offline' });
      const claimToken = await tokens.issue(edgeId, requestedBy);
      logger.warn({ edgeId }, 'credentials of an offline edge rotated: it must be claimed again');
      return { mode: 'claim', claimToken };
    }
    const secret = await credentials.stagePending(edgeId);
    await commands.send(edgeId, 'rotate-credentials', { username: edgeId, password: secret });
    await credentials.promotePending(edgeId);
    this.deps.bus.publish('edge.credentials_rotated', { edgeId, at: Date.now() });
    await this.deps.accountGate?.settle(edgeId, 'rotation'); // the box reconnects with the new secret: the broker must know it first
    broker.disconnectEdge(edgeId);
    logger.info({ edgeId }, 'edge credentials rotated live');
    return { mode: 'live', confirmed: true };
  }

  /** Round trip and the edge clock's offset from the cloud's (positive: the edge is ahead). */
  async ping(edgeId: string): Promise<{ roundTripMs: number; edgeClockOffsetMs: number }> {
    const edge = await this.deps.edges.get(edgeId);
    if (edge.status !== 'active') throw conflict(`edge ${edgeId} is ${edge.status}`);
    const t0 = Date.now();
    const { t1, t2 } = await this.deps.commands.send(edgeId, 'ping', {});
    const t3 = Date.now();
    const estimate = estimateClockOffset([{ t0, t1, t2, t3 }]);
    if (!estimate) throw new ApiError(502, 'edge_clock', 'the edge answered with inconsistent timestamps');
    return { roundTripMs: estimate.roundTripMs, edgeClockOffsetMs: estimate.offsetMs };
  }

  /** A sine tone on the box's loudspeakers, for checking amplifier and lines from the console. */
  async testTone(edgeId: string, request: CommandRequest<'test-tone'>): Promise<CommandResponse<'test-tone'>> {
    await this.assertActive(edgeId);
    return this.deps.commands.send(edgeId, 'test-tone', request, Math.max(15_000, request.durationMs + 10_000));
  }

  /** A WS-Discovery probe on the box's LAN. */
  async discoverCameras(edgeId: string, request: CommandRequest<'discover-cameras'>): Promise<CommandResponse<'discover-cameras'>> {
    await this.assertActive(edgeId);
    return this.deps.commands.send(edgeId, 'discover-cameras', request, request.timeoutMs + 10_000);
  }

  /** The camera's current picture, as the box sees it. */
  async cameraSnapshot(edgeId: string, request: CommandRequest<'camera-snapshot'>): Promise<CommandResponse<'camera-snapshot'>> {
    await this.assertActive(edgeId);
    return this.deps.commands.send(edgeId, 'camera-snapshot', request, 20_000);
  }

  private async assertActive(edgeId: string): Promise<void> {
    const edge = await this.deps.edges.get(edgeId);
    if (edge.status !== 'active') throw conflict(`edge ${edgeId} is ${edge.status}`);
  }

  /** Replaces the config document; a body without cameras keeps the box's cameras (the cameras API owns them). */
  async setConfig(edgeId: string, body: ConfigBody) {
    const edge = await this.deps.edges.get(edgeId);
    if (edge.status === 'revoked') throw conflict(`edge ${edgeId} is revoked`);
    const surveillance = body.surveillance ?? (await this.deps.documents.get(edgeId, 'config'))?.body.surveillance;
    return this.deps.documents.set(edgeId, 'config', surveillance ? { ...body, surveillance } : body);
  }
}
