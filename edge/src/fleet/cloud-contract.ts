import { BASELINE_CONTRACT, CONTRACT_VERSION, decodeBroadcast, supports, topics, type CloudContract, type ContractAnnouncement } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { StateStore } from '../db/state.js';
import type { MqttLink } from '../link/mqtt-link.js';

/**
 * The cloud's contract as it announces it on the retained `sc/v1/broadcast/contract`, kept in the
 * box's state for `sc-edge status` and for what the box may send it. A cloud that predates the
 * announcement never sends one: it is revision 1 until it does.
 */
export class CloudContractWatch {
  private readonly listeners: (() => void)[] = [];

  constructor(
    link: MqttLink,
    private readonly state: StateStore,
    private readonly logger: Logger,
  ) {
    link.subscribe(topics.broadcast('contract'), (topic, payload) => this.onPayload(topic, payload));
  }

  /** The last announcement received (kept across restarts), or null. */
  current(): CloudContract | null {
    return this.state.get<CloudContract>('cloudContract')?.value ?? null;
  }

  /** Called after the cloud announced another contract (events it can now take are sent). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Whether the cloud understands a feature (a cloud that announced nothing: revision 1's only). */
  supports(feature: string): boolean {
    const announced: ContractAnnouncement = this.current() ?? BASELINE_CONTRACT;
    return supports(announced, feature);
  }

  private onPayload(topic: string, payload: Buffer): void {
    if (payload.length === 0) return;
    const decoded = decodeBroadcast(topic, payload);
    if (!decoded.ok) return this.logger.warn({ reason: decoded.reason }, 'cloud contract announcement not understood');
    const announced = decoded.message as CloudContract;
    const before = this.current();
    this.state.set('cloudContract', announced);
    if (before?.version === announced.version && before.softwareVersion === announced.softwareVersion) return;
    for (const listener of this.listeners) listener();
    const relation = announced.version === CONTRACT_VERSION ? 'the same as this box' : announced.version > CONTRACT_VERSION ? 'newer than this box' : 'older than this box';
    this.logger.info({ cloudContract: announced.version, cloudVersion: announced.softwareVersion, boxContract: CONTRACT_VERSION }, `the cloud speaks contract revision ${announced.version}, ${relation}`);
  }
}
